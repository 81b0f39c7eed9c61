import Foundation

/// A histogram of one activation over all calibration samples, symmetric around zero: `bins`
/// bins over [-bound, bound]. When a sample exceeds the bound, the bound doubles and pairs of
/// bins merge, which is exact, so the histogram never needs the data twice and its memory is
/// fixed whatever the number of samples.
struct ActivationHistogram {
    static let binCount = 4096
    private(set) var counts: [Double]
    private(set) var bound: Float
    private(set) var low: Float = .infinity
    private(set) var high: Float = -.infinity
    private(set) var total: Double = 0

    init() {
        counts = [Double](repeating: 0, count: Self.binCount)
        bound = 0
    }

    mutating func add(_ values: UnsafeBufferPointer<Float>) {
        var sampleLow = Float.infinity
        var sampleHigh = -Float.infinity
        for v in values {
            sampleLow = min(sampleLow, v)
            sampleHigh = max(sampleHigh, v)
        }
        guard sampleLow.isFinite, sampleHigh.isFinite else { return }
        low = min(low, sampleLow)
        high = max(high, sampleHigh)
        let needed = max(-sampleLow, sampleHigh)
        if bound == 0 {
            bound = needed > 0 ? needed : 1
        }
        while needed > bound { grow() }
        let binsPerUnit = Float(Self.binCount) / (2 * bound)
        let last = Self.binCount - 1
        counts.withUnsafeMutableBufferPointer { counts in
            for v in values {
                let index = Int((v + bound) * binsPerUnit)
                counts[min(max(index, 0), last)] += 1
            }
        }
        total += Double(values.count)
    }

    /// Doubles the bound: bin i of [-b, b] falls into bin binCount/4 + i/2 of [-2b, 2b].
    private mutating func grow() {
        var merged = [Double](repeating: 0, count: Self.binCount)
        for (index, count) in counts.enumerated() { merged[Self.binCount / 4 + index / 2] += count }
        counts = merged
        bound *= 2
    }

    private var binWidth: Float { 2 * bound / Float(Self.binCount) }

    /// The range keeping `percentile` percent of the values: the lower and upper tails are cut
    /// separately (asymmetric), or the magnitude's tail (symmetric). Never wider than observed.
    func percentileRange(_ percentile: Double, symmetric: Bool) -> (Float, Float) {
        guard total > 0 else { return (0, 0) }
        let tail = total * (1 - percentile / 100)
        if symmetric {
            let magnitudes = folded()
            var cut = 0.0
            var index = magnitudes.count - 1
            while index > 0, cut + magnitudes[index] <= tail {
                cut += magnitudes[index]
                index -= 1
            }
            let threshold = min(Float(index + 1) * binWidth, max(-low, high))
            return (max(low, -threshold), min(high, threshold))
        }
        var cut = 0.0
        var lowerIndex = 0
        while lowerIndex < Self.binCount - 1, cut + counts[lowerIndex] <= tail / 2 {
            cut += counts[lowerIndex]
            lowerIndex += 1
        }
        cut = 0
        var upperIndex = Self.binCount - 1
        while upperIndex > 0, cut + counts[upperIndex] <= tail / 2 {
            cut += counts[upperIndex]
            upperIndex -= 1
        }
        let lower = -bound + Float(lowerIndex) * binWidth
        let upper = -bound + Float(upperIndex + 1) * binWidth
        return (max(low, lower), min(high, upper))
    }

    /// Counts of |x| in binCount/2 bins over [0, bound].
    private func folded() -> [Double] {
        let half = Self.binCount / 2
        return (0..<half).map { counts[half + $0] + counts[half - 1 - $0] }
    }

    /// The clipping threshold that minimises the KL divergence between the magnitude
    /// distribution and its 128-level quantized form (TensorRT's entropy calibration), as a
    /// range clipped to what was observed.
    func entropyRange(levels: Int = 128) -> (Float, Float) {
        guard total > 0 else { return (0, 0) }
        // KL needs well-filled bins: with few values (a small model, few samples) the bins are
        // merged until they hold 16 values on average, down to one bin per level, where the
        // threshold can only be the observed maximum (MinMax), rather than clipping on noise.
        var histogram = folded()
        while histogram.count > levels, total / Double(histogram.count) < 16 {
            histogram = stride(from: 0, to: histogram.count, by: 2).map { histogram[$0] + histogram[$0 + 1] }
        }
        let bins = histogram.count
        let binWidth = bound / Float(bins)
        var bestDivergence = Double.infinity
        var bestIndex = bins
        var tailSum = histogram.reduce(0, +)
        var start = levels
        // Skip thresholds below the bulk's first bins: they cannot hold `levels` levels.
        for index in 0..<levels { tailSum -= histogram[index] }
        while start <= bins {
            // Reference: the first `start` bins with everything beyond folded into the last.
            var reference = Array(histogram[0..<start])
            reference[start - 1] += tailSum
            let divergence = klDivergence(reference, levels: levels, original: histogram[0..<start])
            if divergence < bestDivergence {
                bestDivergence = divergence
                bestIndex = start
            }
            if start < bins { tailSum -= histogram[start] }
            start += 1
        }
        let threshold = min(Float(bestIndex) * binWidth, max(-low, high))
        return (max(low, -threshold), min(high, threshold))
    }

    /// KL(P || Q) where Q merges `original` into `levels` groups and spreads each group's mass
    /// evenly over its non-empty bins.
    private func klDivergence(_ reference: [Double], levels: Int, original: ArraySlice<Double>) -> Double {
        let count = reference.count
        let totalMass = reference.reduce(0, +)
        guard totalMass > 0 else { return .infinity }
        var expanded = [Double](repeating: 0, count: count)
        let binsPerLevel = Double(count) / Double(levels)
        for level in 0..<levels {
            let start = Int((Double(level) * binsPerLevel).rounded(.down))
            let end = level == levels - 1 ? count : Int((Double(level + 1) * binsPerLevel).rounded(.down))
            guard end > start else { continue }
            var mass = 0.0
            var nonEmpty = 0
            for index in start..<end {
                let value = original[original.startIndex + index]
                mass += value
                if value > 0 { nonEmpty += 1 }
            }
            guard nonEmpty > 0 else { continue }
            let share = mass / Double(nonEmpty)
            for index in start..<end where original[original.startIndex + index] > 0 { expanded[index] = share }
        }
        let expandedMass = expanded.reduce(0, +)
        guard expandedMass > 0 else { return .infinity }
        var divergence = 0.0
        for index in 0..<count where reference[index] > 0 {
            let p = reference[index] / totalMass
            let q = expanded[index] / expandedMass
            // A bin the quantized form leaves empty costs a large but finite penalty.
            divergence += q > 0 ? p * log(p / q) : p * 30
        }
        return divergence
    }
}
