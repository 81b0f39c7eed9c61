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

# tanh(x) on [0, 0.625] as x + x^3 * P(x^2), P degree 5.
x = cheb_nodes(1e-4, 0.625)
target = (np.tanh(x) - x) / x**3
p = fit(x, target, [lambda v, i=i: (v * v) ** i for i in range(6)], x**3 / np.tanh(x))
report("tanh P(x^2)", p)
x32 = np.linspace(1e-6, 0.625, 200001).astype(np.float32)
approx = (x32 + x32**3 * horner32(p, x32 * x32)).astype(np.float32)
print("  max rel err", np.max(np.abs(approx - np.tanh(x32.astype(np.float64))) / np.tanh(x32.astype(np.float64))))

# erf(x) on [0, 1] as x * P(x^2), P degree 7.
erf = np.vectorize(math.erf)
erfc = np.vectorize(math.erfc)
x = cheb_nodes(1e-4, 1.0)
target = erf(x) / x
p = fit(x, target, [lambda v, i=i: (v * v) ** i for i in range(8)], 1 / target)
report("erf small P(x^2)", p)
x32 = np.linspace(1e-6, 1.0, 200001).astype(np.float32)
approx = (x32 * horner32(p, x32 * x32)).astype(np.float32)
print("  max rel err", np.max(np.abs(approx - erf(x32.astype(np.float64))) / erf(x32.astype(np.float64))))

# erfc(x) on [1, 4] as exp(-x^2) * Q(t) with t = 1 / (1 + x/2), Q degree 9.
x = cheb_nodes(1.0, 4.0)
t = 1 / (1 + x / 2)
target = erfc(x) * np.exp(x * x)
q = fit(t, target, [lambda v, i=i: v**i for i in range(10)], 1 / target)
report("erfc large Q(t)", q)
x32 = np.linspace(1.0, 4.0, 200001).astype(np.float32)
t32 = (np.float32(1) / (np.float32(1) + x32 * np.float32(0.5))).astype(np.float32)
approx = (1 - np.exp(-(x32.astype(np.float64)) ** 2).astype(np.float32) * horner32(q, t32)).astype(np.float32)
print("  max abs err", np.max(np.abs(approx - erf(x32.astype(np.float64)))))

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
