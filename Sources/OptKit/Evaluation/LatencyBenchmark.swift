import Foundation

/// Latency of a prepared model on the engine, as `optctl bench` and scripts/bench-engine
/// report it.
public struct LatencyReport: Sendable, Codable, Equatable {
    public var threads: Int
    public var runs: Int
    public var warmupRuns: Int
    public var p50Milliseconds: Double
    public var p90Milliseconds: Double
    public var p99Milliseconds: Double
    public var meanMilliseconds: Double
    public var minMilliseconds: Double
    /// Bytes of live intermediate buffers at the executor's high-water mark.
    public var peakWorkingBytes: Int

    enum CodingKeys: String, CodingKey {
        case threads, runs
        case warmupRuns = "warmup_runs"
        case p50Milliseconds = "p50_ms"
        case p90Milliseconds = "p90_ms"
        case p99Milliseconds = "p99_ms"
        case meanMilliseconds = "mean_ms"
        case minMilliseconds = "min_ms"
        case peakWorkingBytes = "peak_working_bytes"
    }
}

/// Times repeated runs of an executor on fixed inputs: `warmupRuns` untimed runs (buffers
/// pooled, caches and worker threads warm), then `runs` timed ones, each timed on its own.
public struct LatencyBenchmark: Sendable {
    public var runs: Int
    public var warmupRuns: Int

    public init(runs: Int = 200, warmupRuns: Int = 20) {
        self.runs = max(1, runs)
        self.warmupRuns = max(0, warmupRuns)
    }

    public func measure(_ executor: Executor, inputs: [String: Tensor]) throws(EngineError) -> LatencyReport {
        for _ in 0..<warmupRuns { _ = try executor.run(inputs) }
        var samples = [Double](repeating: 0, count: runs)
        for index in 0..<runs { samples[index] = try Self.time(executor, inputs) }
        return Self.report(samples, executor: executor, runs: runs, warmupRuns: warmupRuns)
    }

    /// Times two executors in alternation (A, B, A, B, …) after warming both, so that frequency
    /// changes and neighbours' load on a shared machine fall on both alike and their ratio stays
    /// meaningful. `optctl run` compares a baseline with its optimized model this way.
    /// `shouldStop` is asked before every pair; once it answers true the measurement ends early
    /// and returns nil (a cancelled run does not wait for thousands of runs).
    public func compare(
        _ a: Executor, inputs aInputs: [String: Tensor], with b: Executor, inputs bInputs: [String: Tensor],
        shouldStop: () -> Bool = { false }
    ) throws(EngineError) -> (LatencyReport, LatencyReport)? {
        for _ in 0..<warmupRuns {
            if shouldStop() { return nil }
            _ = try a.run(aInputs)
            _ = try b.run(bInputs)
        }
        var aSamples = [Double](repeating: 0, count: runs)
        var bSamples = [Double](repeating: 0, count: runs)
        for index in 0..<runs {
            if shouldStop() { return nil }
            aSamples[index] = try Self.time(a, aInputs)
            bSamples[index] = try Self.time(b, bInputs)
        }
        return (
            Self.report(aSamples, executor: a, runs: runs, warmupRuns: warmupRuns),
            Self.report(bSamples, executor: b, runs: runs, warmupRuns: warmupRuns)
        )
    }

    private static func time(_ executor: Executor, _ inputs: [String: Tensor]) throws(EngineError) -> Double {
        let start = DispatchTime.now().uptimeNanoseconds
        _ = try executor.run(inputs)
        return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6
    }

    private static func report(_ unsorted: [Double], executor: Executor, runs: Int, warmupRuns: Int) -> LatencyReport {
        let samples = unsorted.sorted()
        func percentile(_ p: Double) -> Double {
            // Nearest rank: the smallest sample with at least p percent of samples at or below it.
            let rank = Int((p / 100 * Double(samples.count)).rounded(.up))
            return samples[min(samples.count - 1, max(0, rank - 1))]
        }
        return LatencyReport(
            threads: executor.threadCount, runs: runs, warmupRuns: warmupRuns,
            p50Milliseconds: percentile(50), p90Milliseconds: percentile(90), p99Milliseconds: percentile(99),
            meanMilliseconds: samples.reduce(0, +) / Double(samples.count), minMilliseconds: samples[0],
            peakWorkingBytes: executor.peakWorkingBytes)
    }

    /// Inputs for a graph when the user gives none: every declared input with symbolic or
    /// unknown dims set to `dynamicSize`, floats drawn from a fixed-seed uniform [-1, 1), integer
    /// and boolean inputs zero. Nil names an input whose element type or rank is not declared.
    public static func syntheticInputs(for graph: Graph, dynamicSize: Int = 1) -> (inputs: [String: Tensor], undeclared: String?) {
        var generator = SplitMix64(seed: 0x5EED)
        var inputs: [String: Tensor] = [:]
        for input in graph.inputs {
            guard let type = input.type, let dims = type.shape, type.dataType.byteSize != nil else {
                return (inputs, input.name)
            }
            let shape = dims.map { $0.value ?? dynamicSize }
            var tensor = Tensor(dataType: type.dataType, shape: shape)
            if type.dataType == .float {
                let values = (0..<tensor.count).map { _ in Float(Double(generator.next() >> 11) / Double(1 << 53)) * 2 - 1 }
                tensor = Tensor(values, shape: shape)
            }
            inputs[input.name] = tensor
        }
        return (inputs, nil)
    }
}

/// A small fixed-seed generator, so synthetic inputs are the same on every machine.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
