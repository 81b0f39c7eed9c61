import Foundation
import Testing
@testable import OptKit

@Suite struct NormalizationKernelTests {
    @Test(arguments: [[2, 3], [2, 3, 4, 5], [1, 4, 7]], [1, 2])
    func batchNormalizationMatchesTheFormula(shape: [Int], threads: Int) throws {
        let channels = shape[1]
        let x = randomTensor(shape, seed: 31)
        let scale = randomTensor([channels], seed: 32), bias = randomTensor([channels], seed: 33)
        let mean = randomTensor([channels], seed: 34), variance = randomTensor([channels], seed: 35, range: 0.1...3)
        let node = Node(name: "bn", opType: "BatchNormalization", inputs: ["X", "s", "b", "m", "v"], outputs: ["Y"], attributes: ["epsilon": .float(0.01)])
        let inner = shape.dropFirst(2).reduce(1, *)
        let expected = x.elements(Float.self).enumerated().map { index, value in
            let c = index / inner % channels
            let (s, b, m, v) = (scale.elements(Float.self)[c], bias.elements(Float.self)[c], mean.elements(Float.self)[c], variance.elements(Float.self)[c])
            return (value - m) / (v + 0.01).squareRoot() * s + b
        }
        for opset in [9, 14, 15] {
            expectClose(try runKernel(node, [x, scale, bias, mean, variance], opset: opset, threads: threads)[0], expected, shape: shape)
        }
    }

    @Test func batchNormalizationTrainingModeFailsAtPrepareTime() {
        let node = Node(name: "bn", opType: "BatchNormalization", inputs: ["X", "s", "b", "m", "v"], outputs: ["Y", "rm", "rv"],
                        attributes: ["training_mode": .int(1)])
        #expect(throws: EngineError.unsupportedAttribute(node: "bn", attribute: "training_mode", message: "training mode (the engine runs inference only)")) {
            try KernelRegistry.kernel(for: node, opset: 15)
        }
        let statistics = Node(name: "bn9", opType: "BatchNormalization", inputs: ["X", "s", "b", "m", "v"], outputs: ["Y", "mean"])
        #expect(throws: EngineError.self) { try KernelRegistry.kernel(for: statistics, opset: 9) }
    }

    @Test func layerNormalizationHandChecked() throws {
        let x = floats([1, 2, 3, 4, -1, 0, 1, 2], [2, 4])
        let scale = floats([1, 1, 2, 2], [4]), bias = floats([0, 0, 0, 1], [4])
        let node = Node(name: "ln", opType: "LayerNormalization", inputs: ["X", "S", "B"], outputs: ["Y", "Mean", "Inv"], attributes: ["epsilon": .float(0)])
        let outputs = try runKernel(node, [x, scale, bias], opset: 17)
        let inv = 1 / Float(1.25).squareRoot()
        let row = [-1.5 * inv, -0.5 * inv, 0.5 * inv * 2, 1.5 * inv * 2 + 1]
        expectClose(outputs[0], row + row, shape: [2, 4])
        expectClose(outputs[1], [2.5, 0.5], shape: [2, 1])
        expectClose(outputs[2], [inv, inv], shape: [2, 1])
    }

    @Test(arguments: [1, 2])
    func layerNormalizationOverTrailingAxes(threads: Int) throws {
        let x = randomTensor([3, 5, 7], seed: 41), scale = randomTensor([5, 7], seed: 42)
        let node = Node(name: "ln", opType: "LayerNormalization", inputs: ["X", "S"], outputs: ["Y"], attributes: ["axis": .int(1)])
        let values = x.elements(Float.self), s = scale.elements(Float.self)
        var expected: [Float] = []
        for row in 0..<3 {
            let slice = Array(values[row * 35..<(row + 1) * 35])
            let mean = slice.reduce(0, +) / 35
            let variance = slice.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / 35
            expected += slice.enumerated().map { ($1 - mean) / (variance + 1e-5).squareRoot() * s[$0] }
        }
        expectClose(try runKernel(node, [x, scale], threads: threads)[0], expected, shape: [3, 5, 7])
    }

    @Test func layerNormalizationDoublePrecisionStashIsUnsupported() {
        let node = Node(name: "ln", opType: "LayerNormalization", inputs: ["X", "S"], outputs: ["Y"], attributes: ["stash_type": .int(11)])
        #expect(throws: EngineError.unsupportedAttribute(node: "ln", attribute: "stash_type", message: "11 (the engine computes the statistics in float)")) {
            try KernelRegistry.kernel(for: node, opset: 17)
        }
    }

    /// The reference for a graph whose first node is the LayerNormalization writing "n": the
    /// float value from that node alone, then QuantizeLinear on its own.
    private static func normalizedThenQuantized(_ graph: Graph, _ x: Tensor, threads: Int, scale: Float, zero: Tensor) throws
        -> (normalized: Tensor, quantized: Tensor)
    {
        var floatOnly = graph
        floatOnly.nodes = [graph.nodes[0]]
        floatOnly.outputs = [ValueInfo(name: "n", type: nil)]
        let normalized = try #require(try Executor(graph: floatOnly, opsets: ["": 21], threads: threads).run(["x": x])["n"])
        let node = Node(name: "q", opType: "QuantizeLinear", inputs: ["n", "s", "z"], outputs: ["y"])
        let quantized = try QuantizeLinearKernel(node: node, opset: 21).run([normalized, Tensor([scale], shape: []), zero], KernelContext(threadCount: 1))[0]
        return (normalized, quantized)
    }

    @Test(arguments: [(DataType.uint8, [1, 2]), (DataType.int8, [1, 2])].flatMap { type, threads in threads.map { (type, $0) } })
    func aQuantizeLinearAfterLayerNormalizationRoundsInTheSameStep(type: DataType, threads: Int) throws {
        // LayerNormalization -> QuantizeLinear, as a quantized transformer writes it before each
        // block's products: one step, whose bytes are the two steps' (the same float rows, the
        // same rounding). A per-element Scale with and without B, and one Scale value.
        let x = randomTensor([5, 3, 40], seed: 41, range: -3...3)
        let zero = type == .uint8 ? Tensor(elements: [UInt8(128)], dataType: .uint8, shape: []) : Tensor(elements: [Int8(-3)], dataType: .int8, shape: [])
        for (scale, bias) in [(randomTensor([40], seed: 42), Optional(randomTensor([40], seed: 43))), (randomTensor([40], seed: 44), nil),
                              (Tensor([1.5], shape: [1]), Optional(Tensor([0.25], shape: [1])))] {
            var graph = Graph(name: "ln-q")
            graph.inputs = [ValueInfo(name: "x", type: TensorType(dataType: .float, shape: [.fixed(5), .fixed(3), .fixed(40)]))]
            graph.outputs = [ValueInfo(name: "y", type: nil)]
            graph.initializers = ["s": scale, "qs": Tensor([0.02], shape: []), "qz": zero]
            if let bias { graph.initializers["b"] = bias }
            graph.nodes = [
                Node(name: "ln", opType: "LayerNormalization", inputs: ["x", "s"] + (bias == nil ? [] : ["b"]), outputs: ["n"]),
                Node(name: "q", opType: "QuantizeLinear", inputs: ["n", "qs", "qz"], outputs: ["y"]),
            ]
            let executor = try Executor(graph: graph, opsets: ["": 21], threads: threads)
            #expect(try executor.profile(["x": x], runs: 1).count == 1)
            let y = try #require(try executor.run(["x": x])["y"])
            let expected = try Self.normalizedThenQuantized(graph, x, threads: threads, scale: 0.02, zero: zero).quantized
            func bytes(_ tensor: Tensor) -> [UInt8] { Array(UnsafeRawBufferPointer(start: tensor.storage.bytes, count: tensor.byteCount)) }
            #expect(y.dataType == type && y.shape == [5, 3, 40])
            #expect(bytes(y) == bytes(expected))
            #expect(Set(bytes(expected)).count > 20, "the values are not all clamped to a few")
        }
    }

    @Test(arguments: [1, 2])
    func aQuantizeLinearBesideAResidualIsWrittenByLayerNormalization(threads: Int) throws {
        // A post-norm block: the normalized value is quantized for the next products and also
        // read by the residual Add. LayerNormalization writes both, the float value and its
        // quantized copy, in one step; the bytes are QuantizeLinear's on the float value.
        let x = randomTensor([4, 64], seed: 45, range: -3...3)
        var graph = Graph(name: "post-norm")
        graph.inputs = [ValueInfo(name: "x", type: TensorType(dataType: .float, shape: [.fixed(4), .fixed(64)]))]
        graph.outputs = [ValueInfo(name: "q", type: nil), ValueInfo(name: "z", type: nil)]
        let zero = Tensor(elements: [UInt8(120)], dataType: .uint8, shape: [])
        graph.initializers = ["s": randomTensor([64], seed: 46), "b": randomTensor([64], seed: 47), "qs": Tensor([0.015], shape: []), "qz": zero]
        graph.nodes = [
            Node(name: "ln", opType: "LayerNormalization", inputs: ["x", "s", "b"], outputs: ["n"]),
            Node(name: "quantize", opType: "QuantizeLinear", inputs: ["n", "qs", "qz"], outputs: ["q"]),
            Node(name: "residual", opType: "Add", inputs: ["n", "x"], outputs: ["z"]),
        ]
        let executor = try Executor(graph: graph, opsets: ["": 21], threads: threads)
        let steps = try executor.profile(["x": x], runs: 1).map(\.0)
        #expect(steps == ["ln", "residual"], "\(steps)")
        let outputs = try executor.run(["x": x])
        let (normalized, expected) = try Self.normalizedThenQuantized(graph, x, threads: threads, scale: 0.015, zero: zero)
        let q = try #require(outputs["q"]), z = try #require(outputs["z"])
        #expect(q.dataType == .uint8 && q.shape == [4, 64])
        #expect(q.elements(UInt8.self) == expected.elements(UInt8.self))
        #expect(z.elements(Float.self) == zip(normalized.elements(Float.self), x.elements(Float.self)).map { $0 + $1 })
    }
}
