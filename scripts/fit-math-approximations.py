#!/usr/bin/env python3
"""Fits the polynomial coefficients used by Sources/OptKit/Runtime/Kernels/Elementwise/FastMath.swift.

The engine's float kernels (Exp, Tanh, Erf, Sigmoid, Gelu, Softmax, Log) evaluate these
polynomials with plain arithmetic so that the compiler vectorizes the loops; libm calls would
not vectorize. Each fit is a weighted least-squares fit on Chebyshev nodes in float64 (close to
minimax), with the leading Taylor terms pinned where that keeps small arguments exact. The
script prints the coefficients and the worst error of the float32 evaluation against float64.

Usage: /work/venv/bin/python scripts/fit-math-approximations.py
"""
import math
import numpy as np

def cheb_nodes(lo, hi, n=4000):
    k = np.arange(n)
    return (lo + hi) / 2 + (hi - lo) / 2 * np.cos((2 * k + 1) * np.pi / (2 * n))

def fit(x, target, basis, weight):
    a = np.stack([b(x) * weight for b in basis], axis=1)
    coef, *_ = np.linalg.lstsq(a, target * weight, rcond=None)
    return coef

def horner32(coefs, z):
    acc = np.float32(coefs[-1]) * np.ones_like(z, dtype=np.float32)
    for c in reversed(coefs[:-1]):
        acc = (acc * z + np.float32(c)).astype(np.float32)
    return acc

def report(name, coefs):
    print(f"{name}:")
    for c in coefs:
        print(f"    {np.float32(c)!r:>18}  # {float(np.float32(c)).hex()}")

# exp(r) on [-ln2/2, ln2/2] as 1 + r + r^2 * P(r), P degree 4.
ln2 = math.log(2)
r = cheb_nodes(-ln2 / 2, ln2 / 2)
target = (np.exp(r) - 1 - r) / r**2
p = fit(r, target, [lambda x, i=i: x**i for i in range(5)], np.ones_like(r))
report("exp P(r)", p)
r32 = np.linspace(-ln2 / 2, ln2 / 2, 200001).astype(np.float32)
approx = (1 + r32 + r32 * r32 * horner32(p, r32)).astype(np.float32)
print("  max rel err", np.max(np.abs(approx - np.exp(r32.astype(np.float64))) / np.exp(r32.astype(np.float64))))

def fit_rational(f, lo, hi, m, n, iters=40, points=6000):
    """x * P(z) / Q(z) with z = x^2 and Q(0) = 1, minimizing the relative error of f on [lo, hi]
    (Sanathanan-Koerner iterations of a weighted linear least-squares fit, z scaled to [0, 1]
    for conditioning)."""
    x = cheb_nodes(lo, hi, points)
    z = x * x
    scale = z.max()
    t = z / scale
    g = f(x) / x
    weight = np.ones_like(x)
    for _ in range(iters):
        a = np.concatenate([np.stack([t**i for i in range(m + 1)], 1),
                            -g[:, None] * np.stack([t**j for j in range(1, n + 1)], 1)], 1)
        w = weight / np.abs(g)
        coef, *_ = np.linalg.lstsq(a * w[:, None], g * w, rcond=None)
        p, q = coef[:m + 1], np.concatenate([[1.0], coef[m + 1:]])
        weight = 1 / np.abs(sum(q[j] * t**j for j in range(n + 1)))
    return ([p[i] / scale**i for i in range(m + 1)], [q[j] / scale**j for j in range(n + 1)])

def report_rational(name, f, clamp, m, n, top):
    p, q = fit_rational(f, 1e-4, clamp, m, n)
    report(f"{name} P(x^2)", p)
    report(f"{name} Q(x^2)", q)
    x32 = np.linspace(1e-7, top, 600001).astype(np.float32)
    xc = np.minimum(x32, np.float32(clamp))
    z = (xc * xc).astype(np.float32)
    approx = (xc * horner32(p, z) / horner32(q, z)).astype(np.float32)
    exact = f(x32.astype(np.float64))
    print("  max rel err", np.max(np.abs(approx - exact) / exact))

# tanh(x) = x * P(x^2) / Q(x^2) for |x| <= 9 (beyond, tanh rounds to 1 in float).
report_rational("tanh", np.tanh, 9.0, 6, 3, 12.0)

# erf(x) = x * P(x^2) / Q(x^2) for |x| <= 3.92 (beyond, erf rounds to 1 in float).
erf = np.vectorize(math.erf)
report_rational("erf", erf, 3.92, 7, 4, 6.0)

# erfc(a) for a in [0, 9.5] as exp(-a^2) * Q(t), t = 1 / (1 + a/2), Q degree 9: what Gelu
# needs with relative accuracy (1 + erf(x) cancels for negative x).
erfc = np.vectorize(math.erfc)
a = cheb_nodes(0.0, 9.5)
t = 1 / (1 + a / 2)
target = erfc(a) * np.exp(a * a)
q = fit(t, target, [lambda v, i=i: v**i for i in range(10)], 1 / target)
report("erfc Q(t)", q)
a32 = np.linspace(0.0, 9.5, 300001).astype(np.float32)
t32 = (np.float32(1) / (np.float32(1) + a32 * np.float32(0.5))).astype(np.float32)
approx = horner32(q, t32).astype(np.float64) * np.exp(-(a32.astype(np.float64)) ** 2)
exact = erfc(a32.astype(np.float64))
print("  max rel err", np.max(np.abs(approx - exact) / exact))

# log(1 + f) on [sqrt(1/2) - 1, sqrt(2) - 1] as f - f^2/2 + f^3 * P(f), P degree 8.
f = cheb_nodes(math.sqrt(0.5) - 1, math.sqrt(2) - 1)
f = f[np.abs(f) > 1e-3]
target = (np.log1p(f) - f + f * f / 2) / f**3
p = fit(f, target, [lambda v, i=i: v**i for i in range(9)], np.abs(f**3 / np.log1p(f)))
report("log P(f)", p)
f32 = np.linspace(math.sqrt(0.5) - 1, math.sqrt(2) - 1, 200001).astype(np.float32)
f32 = f32[f32 != 0]
approx = (f32 - f32 * f32 * np.float32(0.5) + f32**3 * horner32(p, f32)).astype(np.float32)
print("  max rel err", np.max(np.abs(approx - np.log1p(f32.astype(np.float64))) / np.abs(np.log1p(f32.astype(np.float64)))))
