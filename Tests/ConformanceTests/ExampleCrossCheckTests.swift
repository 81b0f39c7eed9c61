import Foundation
import OptKit
import Testing

/// Our executor against onnxruntime on the example models: Examples/<name>/test_data_set_N
/// holds inputs and the outputs onnxruntime computed for them (scripts/make-examples). The
/// tolerance is looser in atol than the backend cases' because these are deep fp32 graphs
/// whose accumulation order differs between the two engines (docs/conformance.md).
@Suite("Example models against onnxruntime")
struct ExampleCrossCheckTests {
    static let tolerance = Tolerance(rtol: 1e-3, atol: 1e-5)

    @Test(
        "the executor reproduces onnxruntime's outputs",
        arguments: ["mlp_policy", "cnn_encoder", "transformer_encoder"], [1, 2])
    func matchesOnnxruntime(example: String, threads: Int) throws {
        let examples = repositoryRoot.appending(path: "Examples")
        let model = try Model.load(contentsOf: examples.appending(path: "\(example).onnx"))
        let executor = try Executor(graph: model.graph, opsets: model.opsetImports, threads: threads)
        let dataSets = try dataSetFolders(in: examples.appending(path: example))
        #expect(!dataSets.isEmpty, "no test_data_set_N folder for \(example)")
        var largest = 0.0

        for dataSet in dataSets {
            let inputFiles = try numberedFiles(in: dataSet, prefix: "input_")
            let outputFiles = try numberedFiles(in: dataSet, prefix: "output_")
            try #require(inputFiles.count == model.graph.inputs.count)
            try #require(outputFiles.count == model.graph.outputs.count)
            var feeds: [String: Tensor] = [:]
            for (file, input) in zip(inputFiles, model.graph.inputs) {
                feeds[input.name] = try TensorFile.read(contentsOf: file).tensor
            }
            let outputs = try executor.run(feeds)
            for (file, output) in zip(outputFiles, model.graph.outputs) {
                let expected = try TensorFile.read(contentsOf: file).tensor
                let got = try #require(outputs[output.name], "\(example): no output '\(output.name)'")
                largest = max(largest, largestDifference(actual: got, expected: expected) ?? .infinity)
                let problem = mismatch(actual: got, expected: expected, tolerance: Self.tolerance)
                #expect(
                    problem == nil,
                    "\(example)/\(dataSet.lastPathComponent), \(threads) threads, output '\(output.name)': \(problem ?? "")")
            }
        }
        // The margin left by the tolerance, visible in CI logs (docs/conformance.md).
        print("cross-check \(example), \(threads) thread(s): largest |ours - onnxruntime| \(short(largest)) over \(dataSets.count) data sets")
    }
}
