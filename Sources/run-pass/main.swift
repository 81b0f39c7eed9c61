import Foundation
import OptKit

// run-pass MODEL.onnx --technique ID [--param NAME=JSON]... [--calibration PATH] [--out PATH]
//          [--threads N]
//
// Applies one optimization pass from the registry to MODEL and writes the result (default
// MODEL.ID.onnx), printing the pass's report as JSON on stdout. A development tool for
// scripts/compare-quantization until `optctl run` exists; it uses the same PassRegistry and
// SampleSource types. --calibration takes a folder of test_data_set_K folders, a .npy or a
// .npz file; without it a pass that needs data draws synthetic samples and says so.

func fail(_ message: String, code: Int32 = 1) -> Never {
    FileHandle.standardError.write(Data("run-pass: \(message)\n".utf8))
    exit(code)
}

var arguments = Array(CommandLine.arguments.dropFirst())
var options: [String: String] = [:]
var parameters: [String: JSONValue] = [:]
var positional: [String] = []
while !arguments.isEmpty {
    let argument = arguments.removeFirst()
    if argument.hasPrefix("--") {
        guard !arguments.isEmpty else { fail("\(argument) needs a value", code: 64) }
        let value = arguments.removeFirst()
        if argument == "--param" {
            guard let equals = value.firstIndex(of: "=") else { fail("--param takes NAME=JSON", code: 64) }
            let text = String(value[value.index(after: equals)...])
            let json = (try? JSONParser.parse(Array(text.utf8))) ?? .string(text)
            parameters[String(value[..<equals])] = json
        } else {
            options[String(argument.dropFirst(2))] = value
        }
    } else {
        positional.append(argument)
    }
}
guard positional.count == 1, let technique = options["technique"] else {
    fail("usage: run-pass MODEL.onnx --technique ID [--param NAME=JSON]... [--calibration PATH] [--out PATH]", code: 64)
}

do {
    let input = URL(fileURLWithPath: positional[0])
    var model = try Model.load(contentsOf: input)
    let passes = try PassRegistry.plan(techniques: [technique], parameters: [technique: parameters])
    var calibration: (any SampleSource)?
    if let path = options["calibration"] {
        let url = URL(fileURLWithPath: path)
        if ["npy", "npz"].contains(url.pathExtension.lowercased()) {
            calibration = try NumpySampleSource(url: url, inputs: model.graph.inputs)
        } else {
            calibration = try TestDataSetSource(url: url, inputNames: model.graph.inputs.map(\.name))
        }
    }
    let context = PassContext(
        threads: options["threads"].flatMap(Int.init) ?? 1, hardwareTarget: HardwareTarget.named("cpu")!,
        calibration: calibration)
    var reports: [PassReport] = []
    for pass in passes {
        reports.append(try await pass.apply(to: &model, context: context))
    }
    let output = options["out"].map { URL(fileURLWithPath: $0) }
        ?? input.deletingPathExtension().appendingPathExtension(technique).appendingPathExtension("onnx")
    try model.write(to: output)
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
    print(String(decoding: try encoder.encode(reports), as: UTF8.self))
} catch let error as any UserFacingError {
    fail(error.message, code: error.kind.exitCode)
} catch {
    fail("\(error)")
}
