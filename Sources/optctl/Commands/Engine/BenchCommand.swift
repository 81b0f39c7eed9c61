import ArgumentParser
import Foundation
import OptKit

/// Needs no store: it times a model file on the engine.
struct BenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Time a model on the engine: latency p50/p90/p99 and peak memory.",
        discussion: """
            Runs the model --warmup times untimed, then --runs times, each timed on its own \
            (nearest-rank percentiles). Inputs come from --inputs (the first sample of a \
            test_data_set folder, .npy or .npz) or are synthetic: uniform [-1, 1) floats with the \
            declared shapes, symbolic dimensions 1. Memory: the executor's peak of live \
            intermediate buffers, the weights, and the process's peak resident set.
            """)

    @Argument(help: ArgumentHelp("The .onnx file.", valueName: "model"))
    var model: String

    @Option(help: ArgumentHelp("Threads (default: all cores).", valueName: "n"))
    var threads: Int?

    @Option(help: ArgumentHelp("Timed runs.", valueName: "n"))
    var runs = 200

    @Option(help: ArgumentHelp("Untimed warm-up runs.", valueName: "n"))
    var warmup = 20

    @Option(help: ArgumentHelp("Input data: a test_data_set folder, .npy or .npz (its first sample).", valueName: "path"))
    var inputs: String?

    @OptionGroup var global: GlobalOptions

    struct Report: Encodable {
        let model: String
        let inputs: String
        let latency: LatencyReport
        let weightBytes: Int
        let peakResidentBytes: Int

        enum CodingKeys: String, CodingKey {
            case model, inputs, latency
            case weightBytes = "weight_bytes"
            case peakResidentBytes = "peak_resident_bytes"
        }
    }

    func validate() throws {
        if let threads, threads < 1 { throw ValidationError("--threads must be at least 1") }
        if runs < 1 { throw ValidationError("--runs must be at least 1") }
        if warmup < 0 { throw ValidationError("--warmup must be 0 or more") }
    }

    func run() async throws {
        let output = Output(json: global.json, quiet: global.quiet)
        do {
            let loaded = try Model.load(contentsOf: URL(fileURLWithPath: model))
            let executor = try Executor(graph: loaded.graph, opsets: loaded.opsetImports, threads: threads)
            let (feeds, described) = try await feeds(for: loaded)
            let latency = try LatencyBenchmark(runs: runs, warmupRuns: warmup).measure(executor, inputs: feeds)
            let weights = loaded.graph.initializers.values.reduce(0) { $0 + $1.byteCount }
            let report = Report(model: model, inputs: described, latency: latency, weightBytes: weights, peakResidentBytes: Self.peakResidentBytes())
            output.json ? output.printJSON(report) : render(report, output)
        } catch {
            throw output.report(error)
        }
    }

    private func feeds(for model: Model) async throws -> ([String: Tensor], String) {
        if let inputs {
            let source = try SampleSources.open(URL(fileURLWithPath: inputs), for: model.graph)
            for try await sample in source.samples() {
                return (sample.inputs, "\(sample.name) of \(source.description)")
            }
            throw InputError(kind: .malformedInput, message: "\(inputs) holds no samples")
        }
        let synthetic = LatencyBenchmark.syntheticInputs(for: model.graph)
        if let undeclared = synthetic.undeclared {
            throw InputError(kind: .validation, message: "input '\(undeclared)' declares no element type or rank; give data with --inputs")
        }
        return (synthetic.inputs, "synthetic: uniform [-1, 1) with the declared shapes, symbolic dimensions 1")
    }

    private func render(_ report: Report, _ output: Output) {
        let latency = report.latency
        LabelledRows.print([
            ("Model", report.model),
            ("Inputs", report.inputs),
            ("Runs", "\(latency.runs) timed after \(latency.warmupRuns) warm-up, \(latency.threads) thread(s)"),
            ("Latency", "p50 \(ResultsView.ms(.number(latency.p50Milliseconds))), p90 \(ResultsView.ms(.number(latency.p90Milliseconds))), p99 \(ResultsView.ms(.number(latency.p99Milliseconds))), mean \(ResultsView.ms(.number(latency.meanMilliseconds))), min \(ResultsView.ms(.number(latency.minMilliseconds)))"),
            ("Memory", "\(Formatting.bytes(Int64(latency.peakWorkingBytes))) peak intermediate buffers, \(Formatting.bytes(Int64(report.weightBytes))) weights, \(Formatting.bytes(Int64(report.peakResidentBytes))) peak resident (process)"),
        ], output: output)
    }

    /// The process's peak resident set size (getrusage reports it in KiB on Linux).
    static func peakResidentBytes() -> Int {
        var usage = rusage()
        #if os(Linux)
        getrusage(RUSAGE_SELF.rawValue, &usage)
        #else
        getrusage(RUSAGE_SELF, &usage)
        #endif
        #if os(Linux)
        return usage.ru_maxrss * 1024
        #else
        return usage.ru_maxrss
        #endif
    }
}
