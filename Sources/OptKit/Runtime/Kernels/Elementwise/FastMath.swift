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

    /// `tanh(x)`: an odd polynomial below |x| = 0.625, `(1 - e) / (1 + e)` with `e = exp(-2|x|)`
    /// above, where that form has no cancellation.
    @inline(__always)
    static func tanh(_ x: Float) -> Float {
        let ax = Swift.abs(x)
        let x2 = x * x
        var p: Float = 0.002_148_991
        p = p * x2 - 0.008_184_67
        p = p * x2 + 0.021_704_003
        p = p * x2 - 0.053_947_456
        p = p * x2 + 0.133_332_12
        p = p * x2 - 0.333_333_3
        let small = x + x * x2 * p
        let e = exp(-2 * ax)
        let magnitude = (1 - e) / (1 + e)
        let large = x < 0 ? -magnitude : magnitude
        return ax < 0.625 ? small : large
    }

    /// `1 / (1 + exp(-x))`; exact 0 and 1 in the saturated tails.
    @inline(__always)
    static func sigmoid(_ x: Float) -> Float {
        1 / (1 + exp(-x))
    }

    /// `erf(x)`: `x * P(x^2)` below |x| = 1, `1 - exp(-x^2) * Q(1 / (1 + |x|/2))` from 1 to 4,
    /// and ±1 beyond (erf(4) rounds to 1 in float).
    @inline(__always)
    static func erf(_ x: Float) -> Float {
        let x2 = x * x
        var p: Float = -9.689_734e-6
        p = p * x2 + 0.000_112_747_35
        p = p * x2 - 0.000_848_543_83
        p = p * x2 + 0.005_221_138_7
        p = p * x2 - 0.026_865_475
        p = p * x2 + 0.112_837_836
        p = p * x2 - 0.376_126_38
        p = p * x2 + 1.128_379_2
        let small = x * p
        let ax = Swift.min(Swift.abs(x), 4)
        let t = 1 / (1 + 0.5 * ax)
        var q: Float = -0.086_339_176
        q = q * t + 0.401_425_57
        q = q * t - 0.702_991_84
        q = q * t + 0.502_796_6
        q = q * t - 0.171_659_62
        q = q * t + 0.262_701_45
        q = q * t + 0.227_203_43
        q = q * t + 0.284_975_8
        q = q * t + 0.281_847_86
        q = q * t + 9.375_294e-6
        let magnitude = 1 - exp(-ax * ax) * q
        let large = x < 0 ? -magnitude : magnitude
        return Swift.abs(x) < 1 ? small : large
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
