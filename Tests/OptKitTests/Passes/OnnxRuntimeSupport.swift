import Foundation
import Testing
@testable import OptKit

/// Runs models in onnxruntime (PyPI) through scripts/onnxruntime-run, with the interpreter of
/// scripts/python-env. The compatibility tests need it: when the environment cannot be made
/// they fail with the reason, unless OPTCTL_SKIP_ONNXRUNTIME=1 says to skip them.
enum OnnxRuntime {
    struct Unavailable: Error, CustomStringConvertible {
        var description: String
    }

    static var skipped: Bool { ProcessInfo.processInfo.environment["OPTCTL_SKIP_ONNXRUNTIME"] == "1" }

    /// The interpreter path, found once per test process.
    static let interpreter: Result<String, Unavailable> = {
        let script = repositoryRoot.appendingPathComponent("scripts/python-env").path
        let (status, output, errors) = execute("/bin/bash", [script])
        let venv = output.trimmingCharacters(in: .whitespacesAndNewlines)
        guard status == 0, !venv.isEmpty else {
            return .failure(Unavailable(description: "onnxruntime is needed for the compatibility tests but scripts/python-env failed (exit \(status)): \(errors.trimmingCharacters(in: .whitespacesAndNewlines)); install python3-venv or set OPTCTL_SKIP_ONNXRUNTIME=1 to skip these tests"))
        }
        return .success(venv + "/bin/python")
    }()

    /// Each model's outputs in onnxruntime on its feeds, by output name; one Python process.
    static func run(_ cases: [(model: Model, feeds: [String: Tensor])]) throws -> [[String: Tensor]] {
        let python = try interpreter.get()
        let folder = try TemporaryDirectory()
        var arguments = [repositoryRoot.appendingPathComponent("scripts/onnxruntime-run").path]
        for (index, item) in cases.enumerated() {
            let modelURL = folder.url.appendingPathComponent("model_\(index).onnx")
            try item.model.write(to: modelURL, externalData: .inline)
            let inputs = folder.url.appendingPathComponent("inputs_\(index)")
            try FileManager.default.createDirectory(at: inputs, withIntermediateDirectories: true)
            for (position, input) in item.model.graph.inputs.enumerated() {
                guard let tensor = item.feeds[input.name] else { continue }
                try TensorFile.write(tensor, name: input.name, to: inputs.appendingPathComponent("input_\(position).pb"))
            }
            arguments += [modelURL.path, inputs.path, folder.url.appendingPathComponent("outputs_\(index)").path]
        }
        let (status, _, errors) = execute(python, arguments)
        guard status == 0 else { throw Unavailable(description: errors.trimmingCharacters(in: .whitespacesAndNewlines)) }
        return try cases.indices.map { index in
            let outputs = folder.url.appendingPathComponent("outputs_\(index)")
            var result: [String: Tensor] = [:]
            for file in TestDataSetSource.numberedFiles(in: outputs, prefix: "output_") {
                let (name, tensor) = try TensorFile.read(contentsOf: file.1)
                result[name] = tensor
            }
            return result
        }
    }

    private static func execute(_ executable: String, _ arguments: [String]) -> (Int32, String, String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let output = Pipe()
        let errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        do {
            try process.run()
        } catch {
            return (-1, "", "\(executable): \(error.localizedDescription)")
        }
        let outData = output.fileHandleForReading.readDataToEndOfFile()
        let errData = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: outData, as: UTF8.self), String(decoding: errData, as: UTF8.self))
    }
}
