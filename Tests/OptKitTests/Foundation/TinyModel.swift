import Foundation
import OptKit

/// A valid one-node ONNX model (y = Relu(x), x: [batch, 4]); `variant` changes its doc string
/// and so its bytes, for tests that need distinct files.
func writeTinyModel(to path: String, variant: Int = 0) throws {
    let type = TensorType(dataType: .float, shape: [.symbolic("batch"), .fixed(4)])
    let graph = Graph(
        name: "tiny", nodes: [Node(name: "relu", opType: "Relu", inputs: ["x"], outputs: ["y"])],
        inputs: [ValueInfo(name: "x", type: type)], outputs: [ValueInfo(name: "y", type: type)])
    try Model(graph: graph, docString: "tiny model \(variant)").write(to: URL(fileURLWithPath: path))
}
