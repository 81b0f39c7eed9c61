import Foundation
import OptKit

// engine-bench MODEL.onnx [--input input_0.pb] [--expected output_0.pb] [--threads N] [--runs N]
//              [--warmup N] [--profile 1]
//
// Prints one JSON LatencyReport for MODEL on the engine (with --expected, also the largest
// absolute difference from the expected first output; with --profile, time per step instead). scripts/bench-engine runs it beside
// onnxruntime; `optctl bench` shares the same LatencyBenchmark.

func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data("engine-bench: \(message)\n".utf8))
    exit(1)
}

var arguments = Array(CommandLine.arguments.dropFirst())
var options: [String: String] = [:]
var positional: [String] = []
while !arguments.isEmpty {
    let argument = arguments.removeFirst()
    if argument.hasPrefix("--") {
        guard !arguments.isEmpty else { fail("\(argument) needs a value") }
        options[String(argument.dropFirst(2))] = arguments.removeFirst()
    } else {
        positional.append(argument)
    }
}
guard positional.count == 1 else {
    fail("usage: engine-bench MODEL.onnx [--input input_0.pb] [--threads N] [--runs N] [--warmup N]")
}
let threads = options["threads"].flatMap(Int.init)
let runs = options["runs"].flatMap(Int.init) ?? 500
let warmup = options["warmup"].flatMap(Int.init) ?? 50

do {
    let model = try Model.load(contentsOf: URL(fileURLWithPath: positional[0]))
    let executor = try Executor(graph: model.graph, opsets: model.opsetImports, threads: threads)
    var inputs: [String: Tensor]
    if let path = options["input"] {
        let (name, tensor) = try TensorFile.read(contentsOf: URL(fileURLWithPath: path))
        inputs = [name.isEmpty ? (model.graph.inputs.first?.name ?? name) : name: tensor]
    } else {
        let synthetic = LatencyBenchmark.syntheticInputs(for: model.graph)
        if let undeclared = synthetic.undeclared { fail("input '\(undeclared)' has no declared type; pass --input") }
        inputs = synthetic.inputs
    }
    if options["profile"] != nil {
        for (node, seconds) in try executor.profile(inputs, runs: runs) {
            print(String(format: "%10.1f us  %@", seconds * 1e6, node))
        }
        exit(0)
    }
    var maxError: Float?
    if let path = options["expected"] {
        let expected = try TensorFile.read(contentsOf: URL(fileURLWithPath: path)).tensor
        guard let name = model.graph.outputs.first?.name, let actual = try executor.run(inputs)[name],
            actual.shape == expected.shape, actual.dataType == .float
        else { fail("the first output does not match \(path) in shape or type") }
        maxError = zip(actual.elements(Float.self), expected.elements(Float.self)).map { abs($0 - $1) }.max() ?? 0
    }
    let report = try LatencyBenchmark(runs: runs, warmupRuns: warmup).measure(executor, inputs: inputs)
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys]
    var json = try JSONSerialization.jsonObject(with: encoder.encode(report)) as? [String: Any] ?? [:]
    if let maxError { json["max_abs_error"] = Double(maxError) }
    print(String(decoding: try JSONSerialization.data(withJSONObject: json, options: [.sortedKeys]), as: UTF8.self))
} catch {
    fail("\(error)")
}
