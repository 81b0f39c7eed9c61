/// How activation ranges are chosen from the calibration data.
enum CalibrationMethod: String, CaseIterable, Sendable {
    /// The observed minimum and maximum: every value representable, rare outliers included.
    case minMax = "minmax"
    /// The range keeping the given percentile of values (tails cut), robust to outliers.
    case percentile
    /// The clipping threshold minimising KL divergence between the value distribution and its
    /// 8-bit form (entropy calibration).
    case entropy
}

/// Runs the model on each calibration sample and keeps, per activation, its observed range or
/// its histogram. Memory: one sample's activations plus one fixed-size histogram per tensor.
struct Calibrator {
    let graph: Graph
    let opsets: [String: Int]
    /// Float activations to observe.
    let tensors: [String]
    let method: CalibrationMethod
    let percentile: Double
    let symmetric: Bool
    let threads: Int

    struct Result {
        var ranges: [String: (low: Float, high: Float)]
        var samples: Int
    }

    /// `share` is the part of the pass's progress this step covers; `expected` the sample count
    /// found by validation (for the fraction).
    func run(_ source: any SampleSource, expected: Int, progress: ProgressReporter, share: ClosedRange<Double>) async throws -> Result {
        var observed = graph
        observed.outputs = tensors.map { ValueInfo(name: $0, type: nil) }
        let executor = try Executor(graph: observed, opsets: opsets, threads: threads)
        var histograms = [String: ActivationHistogram]()
        var extremes = [String: (low: Float, high: Float)]()
        var count = 0
        for try await sample in source.samples() {
            let outputs = try executor.run(sample.inputs)
            for name in tensors {
                guard let tensor = outputs[name], tensor.dataType == .float else { continue }
                let values = UnsafeBufferPointer(start: tensor.pointer(Float.self), count: tensor.count)
                if method == .minMax {
                    var (low, high) = extremes[name] ?? (.infinity, -.infinity)
                    for v in values where v.isFinite {
                        low = min(low, v)
                        high = max(high, v)
                    }
                    extremes[name] = (low, high)
                } else {
                    histograms[name, default: ActivationHistogram()].add(values)
                }
            }
            count += 1
            let fraction = share.lowerBound + (share.upperBound - share.lowerBound) * Double(count) / Double(max(expected, count))
            try await progress.report(fraction, "calibration sample \(count) of \(expected) (\(sample.name))")
        }
        var ranges: [String: (low: Float, high: Float)] = [:]
        for name in tensors {
            switch method {
            case .minMax:
                if let range = extremes[name], range.low <= range.high { ranges[name] = range }
            case .percentile:
                if let histogram = histograms[name] { ranges[name] = histogram.percentileRange(percentile, symmetric: symmetric) }
            case .entropy:
                // A one-sided (ReLU) tensor in asymmetric uint8 has all 256 levels for [0, t].
                if let histogram = histograms[name] {
                    ranges[name] = histogram.entropyRange(levels: !symmetric && histogram.low >= 0 ? 256 : 128)
                }
            }
        }
        return Result(ranges: ranges, samples: count)
    }
}
