/// IEEE 754 binary16 conversions on bit patterns, rounding to nearest even. Used by Cast and by
/// every kernel that reads or writes float16 tensors.
enum HalfConversion {
    /// The half-precision bit pattern nearest to `value` (ties to even; overflow to infinity;
    /// NaN stays NaN with its top payload bits).
    @inline(__always)
    static func halfBits(_ value: Float) -> UInt16 {
        let bits = value.bitPattern
        let sign = UInt16(truncatingIfNeeded: (bits >> 16) & 0x8000)
        let magnitude = bits & 0x7fff_ffff
        if magnitude >= 0x7f80_0000 {
            // Infinity, or NaN with a quiet bit so a payload that shifts out stays a NaN.
            let payload = magnitude > 0x7f80_0000 ? 0x0200 | UInt16(truncatingIfNeeded: (magnitude >> 13) & 0x03ff) : 0
            return sign | 0x7c00 | payload
        }
        if magnitude >= 0x477f_f000 {
            // 65520 and above round to infinity.
            return sign | 0x7c00
        }
        if magnitude < 0x3880_0000 {
            // Below 2^-14 the result is subnormal: count units of 2^-24, rounding to even with the
            // 2^23 shifter (exact: the scaled value is below 2^10). 1024 units is the smallest
            // normal half, whose bit pattern is the same number.
            let scaled = Float(bitPattern: magnitude) * 16_777_216
            let units = (scaled + 8_388_608) - 8_388_608
            return sign | UInt16(units)
        }
        // Normal: rebias the exponent from 127 to 15 and round the 23-bit mantissa to 10 bits;
        // a carry out of the mantissa correctly bumps the exponent.
        let rebiased = magnitude &- ((127 - 15) << 23)
        let rounded = (rebiased &+ 0x0fff &+ ((rebiased >> 13) & 1)) >> 13
        return sign | UInt16(truncatingIfNeeded: rounded)
    }

    /// The same from a double, rounded once (going through Float would round twice).
    static func halfBits(_ value: Double) -> UInt16 {
        let bits = value.bitPattern
        let sign = UInt16(truncatingIfNeeded: (bits >> 48) & 0x8000)
        let magnitude = bits & 0x7fff_ffff_ffff_ffff
        if magnitude >= 0x7ff0_0000_0000_0000 {
            let payload = magnitude > 0x7ff0_0000_0000_0000 ? 0x0200 | UInt16(truncatingIfNeeded: (magnitude >> 42) & 0x03ff) : 0
            return sign | 0x7c00 | payload
        }
        if magnitude >= 0x40ef_fe00_0000_0000 {
            return sign | 0x7c00
        }
        if magnitude < 0x3f10_0000_0000_0000 {
            let scaled = Double(bitPattern: magnitude) * 16_777_216
            let units = (scaled + 4_503_599_627_370_496) - 4_503_599_627_370_496
            return sign | UInt16(units)
        }
        let rebiased = magnitude &- ((1023 - 15) << 52)
        let rounded = (rebiased &+ ((1 << 41) - 1) &+ ((rebiased >> 42) & 1)) >> 42
        return sign | UInt16(truncatingIfNeeded: rounded)
    }

    /// The exact float value of a half-precision bit pattern.
    @inline(__always)
    static func float(_ half: UInt16) -> Float {
        let sign = UInt32(half & 0x8000) << 16
        let exponent = UInt32(half >> 10) & 0x1f
        let mantissa = UInt32(half & 0x03ff)
        if exponent == 0 {
            // Zero or subnormal: mantissa * 2^-24, exact in float.
            let value = Float(mantissa) * 0x1p-24
            return Float(bitPattern: value.bitPattern | sign)
        }
        if exponent == 0x1f {
            return Float(bitPattern: sign | 0x7f80_0000 | (mantissa << 13))
        }
        return Float(bitPattern: sign | ((exponent + 127 - 15) << 23) | (mantissa << 13))
    }
}
