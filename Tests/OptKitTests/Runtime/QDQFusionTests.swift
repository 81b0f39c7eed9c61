import Foundation
import Testing
@testable import OptKit

/// A QDQ graph as the quantization passes write it: x -> Q -> DQ -> Conv(DQ(int8 W per
/// channel), float bias) -> Relu -> Q -> DQ -> Conv 1x1(DQ(int8 W)) -> y (float), and a
/// second branch x2 -> Q -> DQ -> MatMul(DQ(int8 W)) -> Add(bias) -> Q -> DQ -> y2.
private func qdqGraph() -> Graph {
    var graph = Graph(name: "qdq")
    graph.inputs = [
        ValueInfo(name: "x", type: TensorType(dataType: .float, shape: [.fixed(1), .fixed(3), .fixed(10), .fixed(10)])),
        ValueInfo(name: "x2", type: TensorType(dataType: .float, shape: [.fixed(4), .fixed(16)])),
    ]
    graph.outputs = [ValueInfo(name: "y", type: nil), ValueInfo(name: "y2", type: nil)]
    var generator = SeededGenerator(seed: 42)
    func int8s(_ shape: [Int]) -> Tensor {
        Tensor(elements: (0..<shape.reduce(1, *)).map { _ in Int8.random(in: -127...127, using: &generator) }, dataType: .int8, shape: shape)
    }
    graph.initializers = [
        "xs": Tensor([0.02], shape: []), "xz": Tensor(elements: [UInt8(128)], dataType: .uint8, shape: []),
        "w1": int8s([8, 3, 3, 3]), "w1s": Tensor((0..<8).map { 0.002 + 0.0003 * Float($0) }, shape: [8]),
        "b1": Tensor((0..<8).map { Float($0) * 0.05 - 0.2 }, shape: [8]),
        "hs": Tensor([0.03], shape: []), "hz": Tensor(elements: [UInt8(0)], dataType: .uint8, shape: []),
        "w2": int8s([5, 8, 1, 1]), "w2s": Tensor([0.004], shape: []),
        "w3": int8s([16, 24]), "w3s": Tensor((0..<24).map { 0.003 + 0.0001 * Float($0) }, shape: [24]),
        "b3": Tensor((0..<24).map { Float($0) * 0.01 }, shape: [24]),
        "os": Tensor([0.05], shape: []), "oz": Tensor(elements: [Int8(3)], dataType: .int8, shape: []),
    ]
    graph.nodes = [
        Node(name: "qx", opType: "QuantizeLinear", inputs: ["x", "xs", "xz"], outputs: ["xq"]),
        Node(name: "dqx", opType: "DequantizeLinear", inputs: ["xq", "xs", "xz"], outputs: ["xd"]),
        Node(name: "dqw1", opType: "DequantizeLinear", inputs: ["w1", "w1s"], outputs: ["w1d"], attributes: ["axis": .int(0)]),
        Node(name: "conv1", opType: "Conv", inputs: ["xd", "w1d", "b1"], outputs: ["c1"],
             attributes: ["pads": .ints([1, 1, 1, 1]), "strides": .ints([2, 2])]),
        Node(name: "relu1", opType: "Relu", inputs: ["c1"], outputs: ["r1"]),
        Node(name: "qh", opType: "QuantizeLinear", inputs: ["r1", "hs", "hz"], outputs: ["hq"]),
        Node(name: "dqh", opType: "DequantizeLinear", inputs: ["hq", "hs", "hz"], outputs: ["hd"]),
        Node(name: "dqw2", opType: "DequantizeLinear", inputs: ["w2", "w2s"], outputs: ["w2d"]),
        Node(name: "conv2", opType: "Conv", inputs: ["hd", "w2d"], outputs: ["y"]),
        Node(name: "qx2", opType: "QuantizeLinear", inputs: ["x2", "xs", "xz"], outputs: ["x2q"]),
        Node(name: "dqx2", opType: "DequantizeLinear", inputs: ["x2q", "xs", "xz"], outputs: ["x2d"]),
        Node(name: "dqw3", opType: "DequantizeLinear", inputs: ["w3", "w3s"], outputs: ["w3d"], attributes: ["axis": .int(1)]),
        Node(name: "mm", opType: "MatMul", inputs: ["x2d", "w3d"], outputs: ["m"]),
        Node(name: "add", opType: "Add", inputs: ["m", "b3"], outputs: ["a"]),
        Node(name: "qo", opType: "QuantizeLinear", inputs: ["a", "os", "oz"], outputs: ["aq"]),
        Node(name: "dqo", opType: "DequantizeLinear", inputs: ["aq", "os", "oz"], outputs: ["y2"]),
    ]
    return graph
}

@Suite struct QDQFusionTests {
    let feeds = ["x": randomTensor([1, 3, 10, 10], seed: 11), "x2": randomTensor([4, 16], seed: 12)]

    @Test func theRewriteReplacesTheQuantizedOpsWithFusedIntegerOps() {
        let fused = QDQFusion.rewrite(qdqGraph())
        let ops = fused.nodes.map { $0.domain == QDQFusion.domain ? "fused." + $0.opType : $0.opType }
        // x's QuantizeLinear feeds only the fused convolution: it writes the channels-last layout.
        #expect(ops.filter { $0.hasPrefix("fused.") }.sorted()
            == ["fused.QLinearConv", "fused.QLinearConv", "fused.QLinearMatMul", "fused." + ChannelsLast.quantizeOp])
        // Weight DequantizeLinear nodes and the Relu/QuantizeLinear after conv1 are gone.
        #expect(!fused.nodes.contains { ["dqw1", "dqw2", "dqw3", "relu1", "qh", "dqx", "dqh"].contains($0.name) })
    }

    @Test func fusedResultsMatchTheUnfusedGraphWithinOneQuantizationStep() throws {
        let graph = qdqGraph()
        for level in [3, 2, 1] {
            let original = IGEMM.instructionSet
            defer { IGEMM.forceInstructionSet(original) }
            guard IGEMM.forceInstructionSet(level) == level else { continue }
            for threads in [1, 2] {
                let fused = try Executor(graph: graph, opsets: ["": 21], threads: threads).run(feeds)
                let reference = try Executor(graph: graph, opsets: ["": 21], threads: threads, fuseQuantized: false).run(feeds)
                // y is computed from the requantized hidden layer: one step of hs (0.03) there
                // moves y by at most 0.03 * Σ|w2 * w2s| over 8 channels; allow two steps of it.
                let y = try #require(fused["y"]).elements(Float.self), yr = try #require(reference["y"]).elements(Float.self)
                #expect(y.count == yr.count && y.count == 5 * 25)
                let bound: Float = 2 * 0.03 * 127 * 0.004 * 8
                let worst = zip(y, yr).map { abs($0 - $1) }.max() ?? 0
                #expect(worst <= bound, "path \(level), \(threads) thread(s): y differs by \(worst)")
                // y2 is requantized by both: they may differ by one step of os (0.05).
                let y2 = try #require(fused["y2"]).elements(Float.self), y2r = try #require(reference["y2"]).elements(Float.self)
                let worst2 = zip(y2, y2r).map { abs($0 - $1) }.max() ?? 0
                #expect(worst2 <= 0.05 * 1.001, "path \(level): y2 differs by \(worst2)")
                let agreeing = zip(y2, y2r).filter { $0 == $1 }.count
                #expect(agreeing * 10 >= y2.count * 9, "most elements round the same way")
            }
        }
    }

    @Test func aGraphWithoutTheFullPatternRunsUnfused() throws {
        // The weight's DequantizeLinear reads a graph input, not a constant: no fusion.
        var graph = qdqGraph()
        graph.inputs.append(ValueInfo(name: "w3", type: nil))
        let rewritten = QDQFusion.rewrite(graph)
        #expect(rewritten.nodes.filter { $0.domain == QDQFusion.domain && $0.opType.hasPrefix("QLinear") }.count == 2)
        var feeds = self.feeds
        feeds["w3"] = graph.initializers["w3"]
        let outputs = try Executor(graph: graph, opsets: ["": 21], threads: 1).run(feeds)
        #expect(outputs["y2"]?.shape == [4, 24])
    }

    @Test func biasResidualAndActivationAfterAFusedProductMatchTheUnfusedGraph() throws {
        // x -> Q -> DQ -> MatMul(DQ(int8 W)) -> Add(bias) -> Add(x: residual) -> Gelu or Tanh
        // -> y: the executor folds bias and residual into the integer op.
        for activation in ["Tanh", "Gelu"] {
            var graph = Graph(name: "block")
            graph.inputs = [ValueInfo(name: "x", type: TensorType(dataType: .float, shape: [.fixed(6), .fixed(32)]))]
            graph.outputs = [ValueInfo(name: "y", type: nil)]
            var generator = SeededGenerator(seed: 7)
            graph.initializers = [
                "s": Tensor([0.01], shape: []), "z": Tensor(elements: [UInt8(120)], dataType: .uint8, shape: []),
                "w": Tensor(elements: (0..<(32 * 32)).map { _ in Int8.random(in: -127...127, using: &generator) }, dataType: .int8, shape: [32, 32]),
                "ws": Tensor([0.002], shape: []), "b": randomTensor([32], seed: 8),
            ]
            graph.nodes = [
                Node(name: "q", opType: "QuantizeLinear", inputs: ["x", "s", "z"], outputs: ["xq"]),
                Node(name: "dq", opType: "DequantizeLinear", inputs: ["xq", "s", "z"], outputs: ["xd"]),
                Node(name: "dqw", opType: "DequantizeLinear", inputs: ["w", "ws"], outputs: ["wd"]),
                Node(name: "mm", opType: "MatMul", inputs: ["xd", "wd"], outputs: ["m"]),
                Node(name: "bias", opType: "Add", inputs: ["m", "b"], outputs: ["mb"]),
                Node(name: "residual", opType: "Add", inputs: ["x", "mb"], outputs: ["r"]),
                Node(name: "act", opType: activation, inputs: ["r"], outputs: ["y"]),
            ]
            let x = randomTensor([6, 32], seed: 9)
            let fused = try Executor(graph: graph, opsets: ["": 21], threads: 1)
            // Q, the product with bias and residual, then the activation (not fused after a
            // residual, whose fallback Add would otherwise run after it).
            #expect(try fused.profile(["x": x], runs: 1).count == 3, "\(activation)")
            let y = try #require(try fused.run(["x": x])["y"])
            let reference = try #require(try Executor(graph: graph, opsets: ["": 21], threads: 1, fuseQuantized: false).run(["x": x])["y"])
            expectClose(y, reference.elements(Float.self), shape: [6, 32], tolerance: 1e-4)
        }
    }
    @Test func anActivationFollowedByQuantizeLinearIsRoundedInTheProductsEpilogue() throws {
        // x -> Q -> DQ -> Gemm(DQ(int8 W1), bias, transB) -> Tanh -> Q -> DQ -> Gemm(DQ(int8 W2))
        // -> Tanh -> y, as the MLP policy quantizes: the hidden layer's Tanh and QuantizeLinear
        // run in the first product's epilogue, so the plan has three steps (Q, two products).
        let (batch, inputs, hidden, outputs) = (3, 40, 48, 20)
        var graph = Graph(name: "mlp")
        graph.inputs = [ValueInfo(name: "x", type: TensorType(dataType: .float, shape: [.fixed(batch), .fixed(inputs)]))]
        graph.outputs = [ValueInfo(name: "y", type: nil)]
        var generator = SeededGenerator(seed: 21)
        func int8s(_ shape: [Int]) -> Tensor {
            Tensor(elements: (0..<shape.reduce(1, *)).map { _ in Int8.random(in: -127...127, using: &generator) }, dataType: .int8, shape: shape)
        }
        let hiddenScale: Float = 2.0 / 255, w2Scale: Float = 0.003
        graph.initializers = [
            "s": Tensor([0.02], shape: []), "z": Tensor(elements: [UInt8(128)], dataType: .uint8, shape: []),
            "w1": int8s([hidden, inputs]), "w1s": Tensor((0..<hidden).map { 0.004 + 0.0001 * Float($0) }, shape: [hidden]),
            "b1": randomTensor([hidden], seed: 22),
            "hs": Tensor([hiddenScale], shape: []), "hz": Tensor(elements: [UInt8(128)], dataType: .uint8, shape: []),
            "w2": int8s([hidden, outputs]), "w2s": Tensor([w2Scale], shape: []),
        ]
        graph.nodes = [
            Node(name: "q", opType: "QuantizeLinear", inputs: ["x", "s", "z"], outputs: ["xq"]),
            Node(name: "dq", opType: "DequantizeLinear", inputs: ["xq", "s", "z"], outputs: ["xd"]),
            Node(name: "dqw1", opType: "DequantizeLinear", inputs: ["w1", "w1s"], outputs: ["w1d"], attributes: ["axis": .int(0)]),
            Node(name: "fc1", opType: "Gemm", inputs: ["xd", "w1d", "b1"], outputs: ["h"], attributes: ["transB": .int(1)]),
            Node(name: "act1", opType: "Tanh", inputs: ["h"], outputs: ["t"]),
            Node(name: "qh", opType: "QuantizeLinear", inputs: ["t", "hs", "hz"], outputs: ["tq"]),
            Node(name: "dqh", opType: "DequantizeLinear", inputs: ["tq", "hs", "hz"], outputs: ["td"]),
            Node(name: "dqw2", opType: "DequantizeLinear", inputs: ["w2", "w2s"], outputs: ["w2d"]),
            Node(name: "fc2", opType: "MatMul", inputs: ["td", "w2d"], outputs: ["o"]),
            Node(name: "act2", opType: "Tanh", inputs: ["o"], outputs: ["y"]),
        ]
        let x = randomTensor([batch, inputs], seed: 23)
        for level in [3, 2, 1] {
            let original = IGEMM.instructionSet
            defer { IGEMM.forceInstructionSet(original) }
            guard IGEMM.forceInstructionSet(level) == level else { continue }
            let fused = try Executor(graph: graph, opsets: ["": 21], threads: 1)
            #expect(try fused.profile(["x": x], runs: 1).count == 3, "path \(level)")
            let y = try #require(try fused.run(["x": x])["y"]).elements(Float.self)
            let reference = try #require(try Executor(graph: graph, opsets: ["": 21], threads: 1, fuseQuantized: false).run(["x": x])["y"])
                .elements(Float.self)
            #expect(y.count == batch * outputs)
            // The hidden values may round one step (hs) apart where tanh lands near a half step;
            // through W2 one step moves an output by at most hs * Σ|w2| * w2s (tanh is 1-Lipschitz).
            let bound = hiddenScale * 127 * w2Scale * Float(hidden)
            let worst = zip(y, reference).map { abs($0 - $1) }.max() ?? 0
            #expect(worst <= bound, "path \(level): y differs by \(worst)")
            let close = zip(y, reference).filter { abs($0 - $1) <= 1e-3 }.count
            #expect(close * 10 >= y.count * 8, "path \(level): most outputs agree to rounding")
        }
    }
}

@Suite struct Float16GraphTests {
    @Test func aFloat16ModelWithFloatBoundaryRunsAndMatchesFloat32() throws {
        // What the fp16 pass writes: Cast to float16 at the input, float16 weights, Cast back.
        let w = randomTensor([4, 3, 3, 3], seed: 21), b = randomTensor([4], seed: 22)
        let w2 = randomTensor([4 * 36, 6], seed: 23, range: -0.1...0.1)
        func half(_ t: Tensor) -> Tensor {
            Tensor(elements: t.elements(Float.self).map(HalfConversion.halfBits), dataType: .float16, shape: t.shape)
        }
        func rounded(_ t: Tensor) -> Tensor {
            Tensor(t.elements(Float.self).map { HalfConversion.float(HalfConversion.halfBits($0)) }, shape: t.shape)
        }
        func graph(float16: Bool) -> Graph {
            var graph = Graph(name: "fp16")
            graph.inputs = [ValueInfo(name: "x", type: TensorType(dataType: .float, shape: [.fixed(1), .fixed(3), .fixed(6), .fixed(6)]))]
            graph.outputs = [ValueInfo(name: "y", type: TensorType(dataType: .float, shape: nil))]
            graph.initializers = float16
                ? ["w": half(w), "b": half(b), "w2": half(w2), "shape": Tensor([Int64(1), -1], shape: [2])]
                : ["w": rounded(w), "b": rounded(b), "w2": rounded(w2), "shape": Tensor([Int64(1), -1], shape: [2])]
            let toHalf: [String: AttributeValue] = ["to": .int(Int(DataType.float16.rawValue))]
            let toFloat: [String: AttributeValue] = ["to": .int(Int(DataType.float.rawValue))]
            graph.nodes = [
                Node(name: "in", opType: "Cast", inputs: ["x"], outputs: ["xh"], attributes: float16 ? toHalf : toFloat),
                Node(name: "conv", opType: "Conv", inputs: ["xh", "w", "b"], outputs: ["c"], attributes: ["pads": .ints([1, 1, 1, 1])]),
                Node(name: "relu", opType: "Relu", inputs: ["c"], outputs: ["r"]),
                Node(name: "flat", opType: "Reshape", inputs: ["r", "shape"], outputs: ["f"]),
                Node(name: "fc", opType: "MatMul", inputs: ["f", "w2"], outputs: ["yh"]),
                Node(name: "out", opType: "Cast", inputs: ["yh"], outputs: ["y"], attributes: toFloat),
            ]
            return graph
        }
        let x = randomTensor([1, 3, 6, 6], seed: 24)
        let y = try #require(try Executor(graph: graph(float16: true), opsets: ["": 17], threads: 1).run(["x": x])["y"])
        let reference = try #require(try Executor(graph: graph(float16: false), opsets: ["": 17], threads: 1).run(["x": x])["y"])
        #expect(y.dataType == .float)
        expectClose(y, reference.elements(Float.self), shape: [1, 6], tolerance: 1e-3)
    }
}
