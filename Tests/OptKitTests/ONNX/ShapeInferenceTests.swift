import Foundation
import Testing
@testable import OptKit

@Suite("Shape inference")
struct ShapeInferenceTests {
    static let N = Dim.symbolic("N")

    private func input(_ name: String, _ dims: [Dim], _ type: DataType = .float) -> ValueInfo {
        ValueInfo(name: name, type: TensorType(dataType: type, shape: dims))
    }

    private func floats(_ shape: [Int]) -> Tensor {
        Tensor(dataType: .float, shape: shape)
    }

    private func ints(_ values: [Int64]) -> Tensor {
        Tensor(values, shape: [values.count])
    }

    /// Infers and returns the shape of `value`, requiring no issues.
    private func infer(_ graph: Graph, _ value: String, opset: Int = 17, sourceLocation: SourceLocation = #_sourceLocation) -> TensorType? {
        let result = graph.inferTypes(opsets: ["": opset])
        #expect(result.issues.isEmpty, "\(result.issues)", sourceLocation: sourceLocation)
        return result.types[value]
    }

    @Test func mlpKeepsTheSymbolicBatch() {
        let graph = Graph(
            nodes: [
                Node(name: "fc1", opType: "MatMul", inputs: ["obs", "w1"], outputs: ["h1"]),
                Node(name: "b1", opType: "Add", inputs: ["h1", "bias1"], outputs: ["h2"]),
                Node(name: "act", opType: "Relu", inputs: ["h2"], outputs: ["h3"]),
                Node(name: "fc2", opType: "Gemm", inputs: ["h3", "w2", "bias2"], outputs: ["h4"], attributes: ["transB": .int(1)]),
                Node(name: "out", opType: "Tanh", inputs: ["h4"], outputs: ["actions"]),
            ],
            inputs: [input("obs", [Self.N, .fixed(64)])],
            outputs: [ValueInfo(name: "actions", type: nil)],
            initializers: ["w1": floats([64, 256]), "bias1": floats([256]), "w2": floats([7, 256]), "bias2": floats([7])])
        #expect(infer(graph, "actions") == TensorType(dataType: .float, shape: [Self.N, .fixed(7)]))
    }

    @Test func cnnBlockFollowsConvArithmetic() {
        let graph = Graph(
            nodes: [
                Node(name: "conv", opType: "Conv", inputs: ["image", "w", "b"], outputs: ["c"],
                     attributes: ["kernel_shape": .ints([3, 3]), "strides": .ints([2, 2]), "pads": .ints([1, 1, 1, 1])]),
                Node(name: "bn", opType: "BatchNormalization", inputs: ["c", "s", "b", "m", "v"], outputs: ["n"]),
                Node(name: "relu", opType: "Relu", inputs: ["n"], outputs: ["r"]),
                Node(name: "pool", opType: "MaxPool", inputs: ["r"], outputs: ["p"], attributes: ["kernel_shape": .ints([3, 3]), "strides": .ints([2, 2]), "ceil_mode": .int(1)]),
                Node(name: "gap", opType: "GlobalAveragePool", inputs: ["p"], outputs: ["g"]),
                Node(name: "flat", opType: "Flatten", inputs: ["g"], outputs: ["f"]),
            ],
            inputs: [input("image", [Self.N, .fixed(3), .fixed(96), .fixed(96)])],
            outputs: [ValueInfo(name: "f", type: nil)],
            initializers: ["w": floats([16, 3, 3, 3]), "b": floats([16]), "s": floats([16]), "m": floats([16]), "v": floats([16])])
        let result = graph.inferTypes(opsets: ["": 13])
        #expect(result.issues.isEmpty)
        #expect(result.types["c"]?.shape == [Self.N, .fixed(16), .fixed(48), .fixed(48)])
        // ceil((48 - 3) / 2) + 1 = 24
        #expect(result.types["p"]?.shape == [Self.N, .fixed(16), .fixed(24), .fixed(24)])
        #expect(result.types["f"]?.shape == [Self.N, .fixed(16)])
    }

    @Test func poolingDropsAWindowStartingInThePadding() {
        let graph = Graph(
            nodes: [Node(name: "pool", opType: "MaxPool", inputs: ["x"], outputs: ["y"], attributes: ["kernel_shape": .ints([1]), "strides": .ints([2]), "pads": .ints([0, 1]), "ceil_mode": .int(1)])],
            inputs: [input("x", [.fixed(1), .fixed(1), .fixed(4)])])
        // onnx.reference and onnxruntime give 2 (a third window would start in the padding).
        #expect(infer(graph, "y")?.shape == [.fixed(1), .fixed(1), .fixed(2)])
    }

    @Test func exportedDynamicReshapeKeepsTheBatch() {
        // PyTorch's x.view(x.size(0), -1): Shape -> Gather(0) -> Unsqueeze -> Concat(-1) -> Reshape.
        let graph = Graph(
            nodes: [
                Node(name: "shape", opType: "Shape", inputs: ["x"], outputs: ["s"]),
                Node(name: "batch", opType: "Gather", inputs: ["s", "zero"], outputs: ["n"], attributes: ["axis": .int(0)]),
                Node(name: "unsq", opType: "Unsqueeze", inputs: ["n", "axes0"], outputs: ["n1"]),
                Node(name: "cat", opType: "Concat", inputs: ["n1", "minus1"], outputs: ["target"], attributes: ["axis": .int(0)]),
                Node(name: "reshape", opType: "Reshape", inputs: ["x", "target"], outputs: ["y"]),
            ],
            inputs: [input("x", [Self.N, .fixed(3), .fixed(8), .fixed(8)])],
            initializers: ["zero": Tensor([Int64(0)], shape: []), "axes0": ints([0]), "minus1": ints([-1])])
        #expect(infer(graph, "y", opset: 13)?.shape == [Self.N, .fixed(192)])
    }

    @Test func reshapeWithMinusOneSolvesForTheSymbol() {
        let graph = Graph(
            nodes: [Node(name: "r", opType: "Reshape", inputs: ["x", "shape"], outputs: ["y"])],
            inputs: [input("x", [Self.N, .fixed(16), .fixed(128)])],
            initializers: ["shape": ints([-1, 128])])
        #expect(infer(graph, "y")?.shape == [.unknown, .fixed(128)])  // N*16 is not one symbol
        let split = Graph(
            nodes: [Node(name: "r", opType: "Reshape", inputs: ["x", "shape"], outputs: ["y"])],
            inputs: [input("x", [Self.N, .fixed(16), .fixed(128)])],
            initializers: ["shape": ints([0, 16, 4, -1])])
        #expect(infer(split, "y")?.shape == [Self.N, .fixed(16), .fixed(4), .fixed(32)])
        let bad = Graph(
            nodes: [Node(name: "r", opType: "Reshape", inputs: ["x", "shape"], outputs: ["y"])],
            inputs: [input("x", [.fixed(2), .fixed(3)])],
            initializers: ["shape": ints([4, 2])])
        #expect(bad.inferTypes(opsets: ["": 17]).issues == [.shapeMismatch(node: "r", value: "y", message: "cannot reshape [2, 3] (6 elements) to [4, 2] (8 elements)")])
    }

    @Test func axesAttributesBeforeOpset13() {
        let graph = Graph(
            nodes: [
                Node(name: "sq", opType: "Squeeze", inputs: ["x"], outputs: ["a"], attributes: ["axes": .ints([1])]),
                Node(name: "unsq", opType: "Unsqueeze", inputs: ["a"], outputs: ["b"], attributes: ["axes": .ints([0, -1])]),
                Node(name: "sum", opType: "ReduceSum", inputs: ["b"], outputs: ["c"], attributes: ["axes": .ints([2]), "keepdims": .int(0)]),
                Node(name: "split", opType: "Split", inputs: ["x"], outputs: ["s1", "s2"], attributes: ["axis": .int(2), "split": .ints([2, 6])]),
                Node(name: "mean", opType: "ReduceMean", inputs: ["x"], outputs: ["m"], attributes: ["axes": .ints([-1])]),
            ],
            inputs: [input("x", [Self.N, .fixed(1), .fixed(8)])])
        let result = graph.inferTypes(opsets: ["": 11])
        #expect(result.issues.isEmpty)
        #expect(result.types["a"]?.shape == [Self.N, .fixed(8)])
        #expect(result.types["b"]?.shape == [.fixed(1), Self.N, .fixed(8), .fixed(1)])
        #expect(result.types["c"]?.shape == [.fixed(1), Self.N, .fixed(1)])
        #expect(result.types["s2"]?.shape == [Self.N, .fixed(1), .fixed(6)])
        #expect(result.types["m"]?.shape == [Self.N, .fixed(1), .fixed(1)])
    }

    @Test func axesInputsFromOpset13() {
        let graph = Graph(
            nodes: [
                Node(name: "sum", opType: "ReduceSum", inputs: ["x", "axes"], outputs: ["c"]),
                Node(name: "split", opType: "Split", inputs: ["x", "sizes"], outputs: ["s1", "s2"], attributes: ["axis": .int(-1)]),
                Node(name: "sq", opType: "Squeeze", inputs: ["x", "one"], outputs: ["q"]),
                // ReduceMean still takes an axes attribute until opset 18.
                Node(name: "mean", opType: "ReduceMean", inputs: ["x"], outputs: ["m"], attributes: ["axes": .ints([2]), "keepdims": .int(0)]),
            ],
            inputs: [input("x", [Self.N, .fixed(1), .fixed(8)])],
            initializers: ["axes": ints([1, 2]), "sizes": ints([3, 5]), "one": ints([1])])
        let result = graph.inferTypes(opsets: ["": 13])
        #expect(result.issues.isEmpty)
        #expect(result.types["c"]?.shape == [Self.N, .fixed(1), .fixed(1)])
        #expect(result.types["s1"]?.shape == [Self.N, .fixed(1), .fixed(3)])
        #expect(result.types["q"]?.shape == [Self.N, .fixed(8)])
        #expect(result.types["m"]?.shape == [Self.N, .fixed(1)])
    }

    @Test func transformerPieces() {
        let tokens = [Self.N, .fixed(16), .fixed(128)] as [Dim]
        let graph = Graph(
            nodes: [
                Node(name: "ln", opType: "LayerNormalization", inputs: ["x", "g", "b"], outputs: ["n"], attributes: ["axis": .int(-1)]),
                Node(name: "q", opType: "MatMul", inputs: ["n", "wq"], outputs: ["qv"]),
                Node(name: "kt", opType: "Transpose", inputs: ["qv"], outputs: ["kt"], attributes: ["perm": .ints([0, 2, 1])]),
                Node(name: "scores", opType: "MatMul", inputs: ["qv", "kt"], outputs: ["s"]),
                Node(name: "soft", opType: "Softmax", inputs: ["s"], outputs: ["p"], attributes: ["axis": .int(-1)]),
                Node(name: "gelu", opType: "Gelu", inputs: ["qv"], outputs: ["gl"]),
                Node(name: "res", opType: "Add", inputs: ["x", "gl"], outputs: ["y"]),
                Node(name: "first", opType: "Slice", inputs: ["y", "zero", "one", "axis1"], outputs: ["cls"]),
            ],
            inputs: [input("x", tokens)],
            initializers: [
                "g": floats([128]), "b": floats([128]), "wq": floats([128, 128]),
                "zero": ints([0]), "one": ints([1]), "axis1": ints([1]),
            ])
        let result = graph.inferTypes(opsets: ["": 17])
        #expect(result.issues.isEmpty)
        #expect(result.types["s"]?.shape == [Self.N, .fixed(16), .fixed(16)])
        #expect(result.types["p"]?.shape == [Self.N, .fixed(16), .fixed(16)])
        #expect(result.types["y"]?.shape == tokens)
        #expect(result.types["cls"]?.shape == [Self.N, .fixed(1), .fixed(128)])
    }

    @Test func convTransposeOutputSizeAndABadWeight() {
        let graph = Graph(
            nodes: [Node(name: "up", opType: "ConvTranspose", inputs: ["x", "w"], outputs: ["y"], attributes: ["strides": .ints([2, 2]), "pads": .ints([1, 1, 1, 1]), "output_padding": .ints([1, 1])])],
            inputs: [input("x", [Self.N, .fixed(8), .fixed(5), .fixed(5)])],
            initializers: ["w": floats([8, 4, 3, 3])])
        // 2 * (5 - 1) + 1 + 3 - 2 = 10
        #expect(infer(graph, "y")?.shape == [Self.N, .fixed(4), .fixed(10), .fixed(10)])
        // Found by fuzzing: a weight of rank 1 used to be indexed at [1].
        var bad = graph
        bad.initializers["w"] = floats([8])
        #expect(bad.inferTypes(opsets: ["": 17]).issues == [.shapeMismatch(node: "up", value: "w", message: "weight rank 1 does not match input rank 4")])
    }

    @Test func recurrentOutputs() {
        let graph = Graph(
            nodes: [Node(name: "lstm", opType: "LSTM", inputs: ["x", "w", "r"], outputs: ["y", "h", "c"], attributes: ["hidden_size": .int(32), "direction": .string("bidirectional")])],
            inputs: [input("x", [.symbolic("T"), Self.N, .fixed(10)])],
            initializers: ["w": floats([2, 128, 10]), "r": floats([2, 128, 32])])
        let result = graph.inferTypes(opsets: ["": 14])
        #expect(result.types["y"]?.shape == [.symbolic("T"), .fixed(2), Self.N, .fixed(32)])
        #expect(result.types["c"]?.shape == [.fixed(2), Self.N, .fixed(32)])
    }

    @Test func quantizationOps() {
        let graph = Graph(
            nodes: [
                Node(name: "dq", opType: "DynamicQuantizeLinear", inputs: ["x"], outputs: ["xq", "xs", "xz"]),
                Node(name: "mmi", opType: "MatMulInteger", inputs: ["xq", "wq", "xz", "wz"], outputs: ["acc"]),
                Node(name: "q", opType: "QuantizeLinear", inputs: ["x", "scale", "zp8"], outputs: ["q8"]),
                Node(name: "deq", opType: "DequantizeLinear", inputs: ["q8", "scale", "zp8"], outputs: ["back"]),
                Node(name: "qmm", opType: "QLinearMatMul", inputs: ["q8", "scale", "zp8", "wq", "scale", "wz", "scale", "zp8"], outputs: ["qy"]),
                Node(name: "ci", opType: "ConvInteger", inputs: ["img", "cw"], outputs: ["conv"]),
                Node(name: "qc", opType: "QLinearConv", inputs: ["img", "scale", "izp", "cw", "scale", "wz", "scale", "izp"], outputs: ["qconv"], attributes: ["pads": .ints([1, 1, 1, 1])]),
            ],
            inputs: [input("x", [Self.N, .fixed(64)]), input("img", [Self.N, .fixed(3), .fixed(8), .fixed(8)], .uint8)],
            initializers: [
                "wq": Tensor(dataType: .int8, shape: [64, 32]), "wz": Tensor(dataType: .int8, shape: []),
                "scale": Tensor([0.1], shape: []), "zp8": Tensor(dataType: .int8, shape: []),
                "izp": Tensor(dataType: .uint8, shape: []), "cw": Tensor(dataType: .int8, shape: [4, 3, 3, 3]),
            ])
        let result = graph.inferTypes(opsets: ["": 13])
        #expect(result.issues.isEmpty)
        #expect(result.types["xq"] == TensorType(dataType: .uint8, shape: [Self.N, .fixed(64)]))
        #expect(result.types["xs"] == TensorType(dataType: .float, shape: []))
        #expect(result.types["acc"] == TensorType(dataType: .int32, shape: [Self.N, .fixed(32)]))
        #expect(result.types["q8"] == TensorType(dataType: .int8, shape: [Self.N, .fixed(64)]))
        #expect(result.types["back"] == TensorType(dataType: .float, shape: [Self.N, .fixed(64)]))
        #expect(result.types["qy"] == TensorType(dataType: .int8, shape: [Self.N, .fixed(32)]))
        #expect(result.types["conv"] == TensorType(dataType: .int32, shape: [Self.N, .fixed(4), .fixed(6), .fixed(6)]))
        #expect(result.types["qconv"] == TensorType(dataType: .uint8, shape: [Self.N, .fixed(4), .fixed(8), .fixed(8)]))
    }

    @Test func unknownOpsStayUnknownAndDeclaredTypesAreUsed() {
        var graph = Graph(
            nodes: [
                Node(name: "custom", opType: "FancyOp", domain: "com.vendor", inputs: ["x"], outputs: ["a", "b"]),
                Node(name: "relu", opType: "Relu", inputs: ["b"], outputs: ["y"]),
            ],
            inputs: [input("x", [Self.N, .fixed(4)])],
            outputs: [ValueInfo(name: "y", type: nil)],
            valueInfo: ["b": TensorType(dataType: .float, shape: [Self.N, .fixed(9)])])
        let result = graph.inferTypes(opsets: ["": 17])
        #expect(result.types["a"] == nil)
        #expect(result.types["y"]?.shape == [Self.N, .fixed(9)])
        graph.inferShapes(opsets: ["": 17])
        #expect(graph.outputs[0].type == TensorType(dataType: .float, shape: [Self.N, .fixed(9)]))
        #expect(graph.valueInfo["a"] == nil)
    }

    @Test func inferredShapesAreSavedAsValueInfo() throws {
        let original = ProtoBuilder.model(
            nodes: [ProtoBuilder.node("Relu", ["x"], ["h"]), ProtoBuilder.node("Neg", ["h"], ["y"])],
            inputs: [ProtoBuilder.valueInfo("x", .float, ["batch", 3])],
            outputs: [ProtoBuilder.valueInfo("y", .float, ["batch", 3])])
        var model = try Model(serializedData: ProtoBuilder.serialized(original))
        #expect(model.inferShapes().isEmpty)
        let saved = try Onnx_ModelProto(serializedBytes: model.serializedData())
        #expect(saved.graph.valueInfo.map(\.name) == ["h"])
        #expect(saved.graph.valueInfo.first?.type.tensorType.shape.dim.first?.dimParam == "batch")
        #expect(saved.graph.output == original.graph.output)
    }
}
