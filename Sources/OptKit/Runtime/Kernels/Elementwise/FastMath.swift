/// Float transcendental functions written with plain arithmetic, comparisons and bit casts, so
/// that a loop applying one of them over a buffer vectorizes. libm's `expf`, `tanhf` and `erff`
/// are opaque calls that keep such loops scalar, which made Exp, Tanh, Erf, Sigmoid, Gelu and
/// Softmax several times slower than numpy. Accuracy is a few ulp (float32) over the whole range;
/// NaN propagates and the infinities map as in libm. Coefficients come from
/// scripts/fit-math-approximations.py, which also prints each fit's worst error.
enum FastMath {
    /// `exp(x)`: round `x / ln 2` to `n`, evaluate `exp(r)` on `r = x - n ln 2` (|r| <= ln 2 / 2) with
    /// a polynomial, scale by `2^n` built from bits. Results below the smallest normal float flush
    /// to zero (an absolute error under 1.2e-38).
    @inline(__always)
    static func exp(_ x: Float) -> Float {
        // Round to nearest with the 1.5 * 2^23 shifter: no rounding instruction or
        // float-to-int conversion, both of which would stop vectorization on baseline x86-64.
        let shifter: Float = 12_582_912
        let clamped = Swift.min(Swift.max(x, -87.33654), 89)
        let shifted = clamped * 1.442_695_04 + shifter
        let n = shifted - shifter
        let r = (clamped - n * 0.693_145_751_953_125) - n * 1.428_606_765_330_187e-6
        var p: Float = 0.001_393_364_2
        p = p * r + 0.008_363_175
        p = p * r + 0.041_666_467
        p = p * r + 0.166_665_76
        p = p * r + 0.5
        let expR = 1 + r + r * r * p
        // n lies in [-126, 128]; 2^128 is not a float, so the top case takes 2^127 * 2.
        var exponent = Int32(bitPattern: shifted.bitPattern) &- Int32(bitPattern: shifter.bitPattern)
        let overTop = exponent > 127
        exponent = overTop ? 127 : exponent
        let scale = Float(bitPattern: UInt32(bitPattern: (exponent &+ 127) &<< 23))
        let result = expR * scale * (overTop ? 2 : 1)
        return x < -87.33654 ? 0 : result
    }

    /// `tanh(x)`: a rational function `x * P(x^2) / Q(x^2)` for |x| <= 9, ±1 beyond (where
    /// tanh rounds to 1 in float). One division and no exp: about twice as fast as the
    /// exp-based form, with the same accuracy.
    @inline(__always)
    static func tanh(_ x: Float) -> Float {
        let clamped = Swift.min(Swift.max(x, -9), 9)
        let z = clamped * clamped
        var p: Float = -0x1.81d4e8p-44
        p = p * z + 0x1.d34c8ap-35
        p = p * z - 0x1.5cdb02p-26
        p = p * z + 0x1.770310p-17
        p = p * z + 0x1.972218p-9
        p = p * z + 0x1.0c008cp-3
        p = p * z + 1
        var q: Float = 0x1.0b5060p-12
        q = q * z + 0x1.9179e8p-6
        q = q * z + 0x1.db5598p-2
        q = q * z + 1
        let result = clamped * p / q
        return Swift.abs(x) > 9 ? (x < 0 ? -1 : 1) : result
    }

    /// `1 / (1 + exp(-x))`; exact 0 and 1 in the saturated tails.
    @inline(__always)
    static func sigmoid(_ x: Float) -> Float {
        1 / (1 + exp(-x))
    }

    /// `erf(x)`: a rational function `x * P(x^2) / Q(x^2)` for |x| <= 3.92, ±1 beyond (where
    /// erf rounds to 1 in float).
    @inline(__always)
    static func erf(_ x: Float) -> Float {
        let clamped = Swift.min(Swift.max(x, -3.92), 3.92)
        let z = clamped * clamped
        var p: Float = -0x1.da147cp-31
        p = p * z + 0x1.650aa8p-24
        p = p * z - 0x1.f5c36ap-19
        p = p * z + 0x1.1ab07ap-13
        p = p * z + 0x1.8530d6p-10
        p = p * z + 0x1.683368p-5
        p = p * z + 0x1.1b80a0p-3
        p = p * z + 0x1.20dd74p+0
        var q: Float = 0x1.18f95cp-11
        q = q * z + 0x1.429862p-7
        q = q * z + 0x1.749ff2p-4
        q = q * z + 0x1.d2f4f4p-2
        q = q * z + 1
        let result = clamped * p / q
        return Swift.abs(x) > 3.92 ? (x < 0 ? -1 : 1) : result
    }

    /// `erfc(x) = 1 - erf(x)`, accurate relative to its own (possibly tiny) value:
    /// `exp(-x^2) * Q(1 / (1 + |x|/2))` for x >= 0 and 2 minus that below, so Gelu's
    /// `1 + erf(x)` for negative x does not cancel. The tail's relative error grows with the
    /// rounding of `x^2`, to about 4e-6 at |x| = 9.
    @inline(__always)
    static func erfc(_ x: Float) -> Float {
        let a = Swift.min(Swift.abs(x), 9.5)
        let t = 1 / (1 + 0.5 * a)
        var q: Float = -0x1.d604c8p-5
        q = q * t + 0x1.1a00b4p-2
        q = q * t - 0x1.dcf7c8p-2
        q = q * t + 0x1.fff3d6p-3
        q = q * t - 0x1.fa2960p-9
        q = q * t + 0x1.86ff68p-3
        q = q * t + 0x1.f9cc02p-3
        q = q * t + 0x1.205b9cp-2
        q = q * t + 0x1.20f1cep-2
        q = q * t - 0x1.0cae20p-18
        let tail = exp(-a * a) * q
        return x < 0 ? 2 - tail : tail
    }

    /// Natural logarithm: `x = m * 2^e` with `m` in [sqrt(1/2), sqrt(2)), `log(m)` by a
    /// polynomial in `m - 1`. Negative input gives NaN, zero -inf, +inf itself.
    @inline(__always)
    static func log(_ x: Float) -> Float {
        // Subnormals: scale into the normal range first.
        let subnormal = x < Float.leastNormalMagnitude
        let scaled = subnormal ? x * 8_388_608 : x
        let bits = Int32(bitPattern: scaled.bitPattern)
        var e = ((bits &>> 23) & 0xff) &- 127 &- (subnormal ? 23 : 0)
        var m = Float(bitPattern: UInt32(bitPattern: (bits & 0x007f_ffff) | 0x3f80_0000))
        let high = m > 1.414_213_56
        m = high ? m * 0.5 : m
        e = high ? e &+ 1 : e
        let f = m - 1
        var p: Float = 0.066_752_72
        p = p * f - 0.116_464_35
        p = p * f + 0.119_047_12
        p = p * f - 0.124_112_69
        p = p * f + 0.142_178_91
        p = p * f - 0.166_676_43
        p = p * f + 0.200_022_04
        p = p * f - 0.250_000_15
        p = p * f + 0.333_333_1
        let fe = Float(e)
        let logM = f - 0.5 * f * f + f * f * f * p
        let result = fe * 0.693_145_751_953_125 + (logM + fe * 1.428_606_765_330_187e-6)
        if x == 0 { return -.infinity }
        return x < 0 || x.isNaN ? .nan : (x == .infinity ? x : result)
    }
}
