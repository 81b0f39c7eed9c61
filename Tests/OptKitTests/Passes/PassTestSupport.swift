import Foundation
import Testing
@testable import OptKit

/// The repository root, found from this file's path.
let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../..").standardized

/// Examples/NAME.onnx and its folder of data.
func exampleModel(_ name: String) throws -> Model {
    try Model.load(contentsOf: repositoryRoot.appendingPathComponent("Examples/\(name).onnx"))
}

func exampleCalibration(_ name: String, model: Model) throws -> TestDataSetSource {
    try TestDataSetSource(url: repositoryRoot.appendingPathComponent("Examples/\(name)/calibration"), inputNames: model.graph.inputs.map(\.name))
}

func exampleTestData(_ name: String, model: Model) throws -> TestDataSetSource {
    try TestDataSetSource(url: repositoryRoot.appendingPathComponent("Examples/\(name)"), inputNames: model.graph.inputs.map(\.name))
}

let exampleNames = ["mlp_policy", "cnn_encoder", "transformer_encoder"]

/// A pass from the registry with `parameters`.
func makePass(_ technique: String, _ parameters: [String: JSONValue] = [:]) throws -> any OptimizationPass {
    let descriptor = try #require(PassRegistry.descriptor(for: technique))
    return try descriptor.makePass(parameters)
}

func context(calibration: (any SampleSource)? = nil, excludedNodes: Set<String> = [], excludedOpTypes: Set<String> = []) -> PassContext {
    PassContext(
        threads: 1, excludedNodes: excludedNodes, excludedOpTypes: excludedOpTypes,
        hardwareTarget: HardwareTarget.named("cpu")!, calibration: calibration)
}

/// Applies `technique` to a copy of `model`; returns the result and the report.
func applying(_ technique: String, _ parameters: [String: JSONValue] = [:], to model: Model, context: PassContext = context()) async throws -> (Model, PassReport) {
    var copy = model
    let report = try await makePass(technique, parameters).apply(to: &copy, context: context)
    return (copy, report)
}

/// Runs `model` on our engine.
func runEngine(_ model: Model, _ feeds: [String: Tensor]) throws -> [String: Tensor] {
    try Executor(graph: model.graph, opsets: model.opsetImports, threads: 1).run(feeds)
}

/// ||a - b|| / ||b|| over float tensors.
func relativeL2(_ a: Tensor, _ b: Tensor) -> Double {
    let x = a.elements(Float.self)
    let y = b.elements(Float.self)
    var difference = 0.0
    var norm = 0.0
    for (p, q) in zip(x, y) {
        difference += Double(p - q) * Double(p - q)
        norm += Double(q) * Double(q)
    }
    return (difference / max(norm, 1e-30)).squareRoot()
}

func maxAbsDifference(_ a: Tensor, _ b: Tensor) -> Float {
    zip(a.elements(Float.self), b.elements(Float.self)).map { abs($0 - $1) }.max() ?? 0
}

/// Op types in a graph with their counts.
func opCounts(_ graph: Graph) -> [String: Int] {
    graph.nodes.reduce(into: [:]) { $0[$1.opType, default: 0] += 1 }
}

/// All samples of a source, read eagerly (test data is small).
func collect(_ source: any SampleSource) async throws -> [Sample] {
    var samples: [Sample] = []
    for try await sample in source.samples() { samples.append(sample) }
    return samples
}

/// Samples given in memory, for tests of what the passes do with particular data.
struct ArraySampleSource: SampleSource {
    var items: [Sample]
    var description: String { "\(items.count) in-memory samples" }
    var isSynthetic: Bool { false }
    var count: Int? { items.count }
    func fingerprint() async throws -> String { "" }
    func samples() -> AsyncThrowingStream<Sample, any Error> {
        AsyncThrowingStream { continuation in
            for item in items { continuation.yield(item) }
            continuation.finish()
        }
    }
}

// MARK: - Small graphs

/// x[batch, 3, 8, 8] -> Conv 3x3 (4 channels) -> BatchNormalization -> Relu -> Conv 1x1 (2) -> y.
/// The first Conv's weight is a Constant node (as some exporters write), its BatchNormalization
/// has a running variance of 1e8 in one channel (float16 overflows on it unfolded).
func convBatchNormGraph(seed: UInt64 = 1) -> Model {
    var graph = Graph(name: "conv_bn")
    graph.inputs = [ValueInfo(name: "x", type: TensorType(dataType: .float, shape: [.symbolic("batch"), .fixed(3), .fixed(8), .fixed(8)]))]
    graph.outputs = [ValueInfo(name: "y", type: TensorType(dataType: .float, shape: [.symbolic("batch"), .fixed(2), .fixed(8), .fixed(8)]))]
    graph.nodes = [
        Node(name: "w1_const", opType: "Constant", inputs: [], outputs: ["w1"], attributes: ["value": .tensor(randomTensor([4, 3, 3, 3], seed: seed))]),
        Node(name: "conv1", opType: "Conv", inputs: ["x", "w1"], outputs: ["c1"], attributes: ["pads": .ints([1, 1, 1, 1]), "kernel_shape": .ints([3, 3])]),
        Node(name: "bn1", opType: "BatchNormalization", inputs: ["c1", "gamma", "beta", "mean", "var"], outputs: ["b1"], attributes: ["epsilon": .float(1e-5)]),
        Node(name: "relu1", opType: "Relu", inputs: ["b1"], outputs: ["r1"]),
        Node(name: "conv2", opType: "Conv", inputs: ["r1", "w2", "bias2"], outputs: ["y"], attributes: ["kernel_shape": .ints([1, 1])]),
    ]
    graph.initializers = [
        "gamma": Tensor([1.5, 0.5, 1, 2], shape: [4]),
        "beta": Tensor([0.1, -0.2, 0.3, 0], shape: [4]),
        "mean": Tensor([0.2, -0.1, 0, 5000], shape: [4]),
        "var": Tensor([0.5, 2, 1, 1e8], shape: [4]),
        "w2": randomTensor([2, 4, 1, 1], seed: seed + 1),
        "bias2": Tensor([0.05, -0.05], shape: [2]),
    ]
    return Model(graph: graph, opsetImports: ["": 17])
}

/// x[batch, 16] -> Gemm(transB) 32 -> Tanh -> MatMul 32x8 -> Add bias -> y, at `opset`.
func mlpGraph(opset: Int = 17, seed: UInt64 = 7) -> Model {
    var graph = Graph(name: "mlp")
    graph.inputs = [ValueInfo(name: "x", type: TensorType(dataType: .float, shape: [.symbolic("batch"), .fixed(16)]))]
    graph.outputs = [ValueInfo(name: "y", type: TensorType(dataType: .float, shape: [.symbolic("batch"), .fixed(8)]))]
    graph.nodes = [
        Node(name: "fc1", opType: "Gemm", inputs: ["x", "w1", "b1"], outputs: ["h"], attributes: ["transB": .int(1)]),
        Node(name: "act", opType: "Tanh", inputs: ["h"], outputs: ["t"]),
        Node(name: "fc2", opType: "MatMul", inputs: ["t", "w2"], outputs: ["m"]),
        Node(name: "bias2", opType: "Add", inputs: ["m", "b2"], outputs: ["y"]),
    ]
    graph.initializers = [
        "w1": randomTensor([32, 16], seed: seed, range: -0.5...0.5),
        "b1": randomTensor([32], seed: seed + 1, range: -0.1...0.1),
        "w2": randomTensor([32, 8], seed: seed + 2, range: -0.5...0.5),
        "b2": randomTensor([8], seed: seed + 3, range: -0.1...0.1),
    ]
    return Model(graph: graph, opsetImports: ["": opset])
}

/// `count` samples of x with `shape`, uniform in [-1, 1].
func randomSamples(_ count: Int, input: String = "x", shape: [Int], seed: UInt64 = 100) -> ArraySampleSource {
    ArraySampleSource(items: (0..<count).map { Sample(name: "sample \($0)", inputs: [input: randomTensor(shape, seed: seed + UInt64($0))]) })
}
