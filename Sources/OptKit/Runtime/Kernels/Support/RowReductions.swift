/// Sum, maximum and minimum of a contiguous run of floats with SIMD accumulators. A plain
/// loop `sum += x[i]` stays scalar because the compiler may not reorder float additions; eight
/// lanes times two accumulators also sum more accurately than one running total.
enum FloatRow {
    static func sum(_ values: UnsafePointer<Float>, _ count: Int) -> Float {
        let raw = UnsafeRawPointer(values)
        var a = SIMD8<Float>()
        var b = SIMD8<Float>()
        var i = 0
        while i + 16 <= count {
            a += raw.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self)
            b += raw.loadUnaligned(fromByteOffset: (i + 8) * 4, as: SIMD8<Float>.self)
            i += 16
        }
        var total = (a + b).sum()
        while i < count {
            total += values[i]
            i += 1
        }
        return total
    }

    /// The sum of `(x - center)^2` over the row: the variance's numerator, taken in a second
    /// pass around the mean so that it does not cancel as `E[x^2] - E[x]^2` would.
    static func squaredDeviations(_ values: UnsafePointer<Float>, _ count: Int, from center: Float) -> Float {
        let raw = UnsafeRawPointer(values)
        let c = SIMD8<Float>(repeating: center)
        var a = SIMD8<Float>()
        var b = SIMD8<Float>()
        var i = 0
        while i + 16 <= count {
            let u = raw.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self) - c
            let v = raw.loadUnaligned(fromByteOffset: (i + 8) * 4, as: SIMD8<Float>.self) - c
            a += u * u
            b += v * v
            i += 16
        }
        var total = (a + b).sum()
        while i < count {
            let d = values[i] - center
            total += d * d
            i += 1
        }
        return total
    }

    /// The largest element, NaN if any element is NaN (numpy's `max`).
    static func maximum(_ values: UnsafePointer<Float>, _ count: Int) -> Float {
        let raw = UnsafeRawPointer(values)
        var best = SIMD8<Float>(repeating: -.infinity)
        var nan = SIMD8<Float>()
        var i = 0
        while i + 8 <= count {
            let v = raw.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self)
            best = best.replacing(with: v, where: v .> best)
            nan = nan.replacing(with: 1, where: v .!= v)
            i += 8
        }
        var result = best.max()
        while i < count {
            let v = values[i]
            if v > result { result = v }
            if v != v { nan[0] = 1 }
            i += 1
        }
        return nan.max() > 0 ? .nan : result
    }

    /// The smallest element, NaN if any element is NaN.
    static func minimum(_ values: UnsafePointer<Float>, _ count: Int) -> Float {
        let raw = UnsafeRawPointer(values)
        var best = SIMD8<Float>(repeating: .infinity)
        var nan = SIMD8<Float>()
        var i = 0
        while i + 8 <= count {
            let v = raw.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self)
            best = best.replacing(with: v, where: v .< best)
            nan = nan.replacing(with: 1, where: v .!= v)
            i += 8
        }
        var result = best.min()
        while i < count {
            let v = values[i]
            if v < result { result = v }
            if v != v { nan[0] = 1 }
            i += 1
        }
        return nan.max() > 0 ? .nan : result
    }
}
