import Foundation
import Testing
@testable import OptKit

/// A QDQ chain of two convolutions as the quantizer writes it: x -> Q -> DQ -> Conv(DQ(int8 W1
/// per channel), bias) -> Relu -> Q -> DQ -> Conv(DQ(int8 W2)) -> [Relu] -> y (float). Both
/// convolutions are fused; the values between them are channels-last.
struct ConvChain: Sendable {
    var batch = 1, channels = 3, height = 11, width = 9
    var hidden = 8, outputs = 5
    var kernel = [3, 3], strides = [2, 2], pads = [1, 1, 1, 1], dilations = [1, 1]
    var kernel2 = [3, 3], strides2 = [1, 1], pads2 = [1, 0, 1, 2]
    var finalRelu = false
    /// y = DequantizeLinear(QuantizeLinear(conv2)): conv2 requantizes, in the standard layout.
    var quantizedOutput = false
    var seed: UInt64 = 1

    func graph() -> Graph {
        var graph = Graph(name: "chain")
        graph.inputs = [ValueInfo(name: "x", type: TensorType(dataType: .float, shape: [batch, channels, height, width].map { .fixed($0) }))]
        graph.outputs = [ValueInfo(name: "y", type: nil)]
        var generator = SeededGenerator(seed: seed)
        func int8s(_ shape: [Int]) -> Tensor {
            Tensor(elements: (0..<shape.reduce(1, *)).map { _ in Int8.random(in: -127...127, using: &generator) }, dataType: .int8, shape: shape)
        }
        graph.initializers = [
            "xs": Tensor([0.01], shape: []), "xz": Tensor(elements: [UInt8(131)], dataType: .uint8, shape: []),
            "w1": int8s([hidden, channels] + kernel), "w1s": Tensor((0..<hidden).map { 0.001 + 0.0002 * Float($0) }, shape: [hidden]),
            "b1": Tensor((0..<hidden).map { Float($0) * 0.03 - 0.1 }, shape: [hidden]),
            "hs": Tensor([0.02], shape: []), "hz": Tensor(elements: [UInt8(7)], dataType: .uint8, shape: []),
            "w2": int8s([outputs, hidden] + kernel2), "w2s": Tensor([0.003], shape: []),
            "ys": Tensor([0.05], shape: []), "yz": Tensor(elements: [UInt8(120)], dataType: .uint8, shape: []),
        ]
        graph.nodes = [
            Node(name: "qx", opType: "QuantizeLinear", inputs: ["x", "xs", "xz"], outputs: ["xq"]),
            Node(name: "dqx", opType: "DequantizeLinear", inputs: ["xq", "xs", "xz"], outputs: ["xd"]),
            Node(name: "dqw1", opType: "DequantizeLinear", inputs: ["w1", "w1s"], outputs: ["w1d"], attributes: ["axis": .int(0)]),
            Node(name: "conv1", opType: "Conv", inputs: ["xd", "w1d", "b1"], outputs: ["c1"],
                 attributes: ["pads": .ints(pads), "strides": .ints(strides), "dilations": .ints(dilations)]),
            Node(name: "relu1", opType: "Relu", inputs: ["c1"], outputs: ["r1"]),
            Node(name: "qh", opType: "QuantizeLinear", inputs: ["r1", "hs", "hz"], outputs: ["hq"]),
            Node(name: "dqh", opType: "DequantizeLinear", inputs: ["hq", "hs", "hz"], outputs: ["hd"]),
            Node(name: "dqw2", opType: "DequantizeLinear", inputs: ["w2", "w2s"], outputs: ["w2d"]),
            Node(name: "conv2", opType: "Conv", inputs: ["hd", "w2d"], outputs: [finalRelu || quantizedOutput ? "c2" : "y"],
                 attributes: ["pads": .ints(pads2), "strides": .ints(strides2)]),
        ]
        let last = quantizedOutput ? "r2" : "y"
        if finalRelu { graph.nodes.append(Node(name: "relu2", opType: "Relu", inputs: ["c2"], outputs: [last])) }
        if quantizedOutput {
            graph.nodes += [
                Node(name: "qy", opType: "QuantizeLinear", inputs: [finalRelu ? "r2" : "c2", "ys", "yz"], outputs: ["yq"]),
                Node(name: "dqy", opType: "DequantizeLinear", inputs: ["yq", "ys", "yz"], outputs: ["y"]),
            ]
        }
        return graph
    }
}

/// The same fused graph with the channels-last layout taken out again: every fused convolution
/// on the im2col kernel, which the channels-last one must match exactly.
private func standardLayout(_ fused: Graph) -> Graph {
    var graph = fused
    graph.nodes = fused.nodes.map { node in
        if node.opType == ChannelsLast.quantizeOp {
            return Node(name: node.name, opType: "QuantizeLinear", inputs: node.inputs, outputs: node.outputs)
        }
        var copy = node
        for attribute in [ChannelsLast.inputAttribute, ChannelsLast.outputAttribute, ChannelsLast.borderAttribute,
                          ChannelsLast.paddedInputAttribute] {
            copy.attributes[attribute] = nil
        }
        return copy
    }
    return graph
}

/// Runs the rewritten graph `fused` and its standard-layout twin on `x` on every instruction
/// set, with 1 and 2 threads, and expects the same `names` outputs; returns `fused`'s outputs of
/// the last run.
@discardableResult
private func expectStandardLayoutResults(_ fused: Graph, _ x: Tensor, names: [String] = ["y"]) throws -> [String: Tensor] {
    let standard = standardLayout(fused)
    var outputs: [String: Tensor] = [:]
    for level in [3, 2, 1] {
        let original = IGEMM.instructionSet
        defer { IGEMM.forceInstructionSet(original) }
        guard IGEMM.forceInstructionSet(level) == level else { continue }
        for threads in [1, 2] {
            // Both graphs are already rewritten: run them as they are.
            outputs = try Executor(graph: fused, opsets: ["": 21], threads: threads, fuseQuantized: false).run(["x": x])
            let reference = try Executor(graph: standard, opsets: ["": 21], threads: threads, fuseQuantized: false).run(["x": x])
            for name in names {
                let value = try #require(outputs[name]), expected = try #require(reference[name])
                #expect(value.shape == expected.shape, "\(name)")
                #expect(value.elements(Float.self) == expected.elements(Float.self), "\(name), path \(level), \(threads) thread(s)")
            }
        }
    }
    return outputs
}

@Suite struct ChannelsLastConvTests {
    @Test func theRewriteMakesTheValuesBetweenFusedConvolutionsChannelsLast() throws {
        let fused = QDQFusion.rewrite(ConvChain().graph())
        let quantize = try #require(fused.nodes.first { $0.name == "qx" })
        #expect(quantize.domain == QDQFusion.domain && quantize.opType == ChannelsLast.quantizeOp)
        let conv1 = try #require(fused.nodes.first { $0.name == "conv1" })
        let conv2 = try #require(fused.nodes.first { $0.name == "conv2" })
        #expect(try conv1.intAttribute(ChannelsLast.inputAttribute) == 1)
        #expect(try conv1.intAttribute(ChannelsLast.outputAttribute) == 1)
        #expect(try conv2.intAttribute(ChannelsLast.inputAttribute) == 1)
        // y is a float graph output: written in the standard layout.
        #expect(try conv2.intAttribute(ChannelsLast.outputAttribute) == nil)
        // Each convolution's padding is written around its input by the input's producer.
        #expect(try quantize.intsAttribute(ChannelsLast.borderAttribute) == [1, 1, 1, 1])
        #expect(try conv1.intAttribute(ChannelsLast.paddedInputAttribute) == 1)
        #expect(try conv1.intsAttribute(ChannelsLast.borderAttribute) == [1, 0, 1, 2])
        #expect(try conv2.intAttribute(ChannelsLast.paddedInputAttribute) == 1)
        #expect(try conv2.intsAttribute(ChannelsLast.borderAttribute) == nil)
    }

    @Test func readersThatPadDifferentlyReadAnUnborderedValue() throws {
        // The hidden value is read by conv2 (pads [1, 0, 1, 2]) and conv3 (no pads): no one
        // border suits both, so each pads it itself; the results are the standard layout's.
        var graph = ConvChain().graph()
        graph.nodes.append(Node(name: "conv3", opType: "Conv", inputs: ["hd", "w2d"], outputs: ["z"]))
        graph.outputs.append(ValueInfo(name: "z", type: nil))
        let fused = QDQFusion.rewrite(graph)
        let conv1 = try #require(fused.nodes.first { $0.name == "conv1" })
        #expect(try conv1.intAttribute(ChannelsLast.outputAttribute) == 1)
        #expect(try conv1.intsAttribute(ChannelsLast.borderAttribute) == nil)
        for name in ["conv2", "conv3"] {
            let reader = try #require(fused.nodes.first { $0.name == name })
            #expect(try reader.intAttribute(ChannelsLast.inputAttribute) == 1)
            #expect(try reader.intAttribute(ChannelsLast.paddedInputAttribute) == nil)
        }
        try expectStandardLayoutResults(fused, randomTensor([1, 3, 11, 9], seed: 6), names: ["y", "z"])
    }

    @Test func aValueReadByAnythingButAFusedConvolutionKeepsTheStandardLayout() throws {
        // The quantized input is also a graph output, and the hidden value is read by a second
        // (non-convolution) node: neither may change layout.
        var graph = ConvChain().graph()
        graph.outputs.append(ValueInfo(name: "xq", type: nil))
        graph.nodes.append(Node(name: "peek", opType: "DequantizeLinear", inputs: ["hq", "hs", "hz"], outputs: ["h"]))
        graph.outputs.append(ValueInfo(name: "h", type: nil))
        let fused = QDQFusion.rewrite(graph)
        #expect(!fused.nodes.contains { $0.opType == ChannelsLast.quantizeOp })
        #expect(!fused.nodes.contains { $0.attributes[ChannelsLast.inputAttribute] != nil || $0.attributes[ChannelsLast.outputAttribute] != nil })
        let x = randomTensor([1, 3, 11, 9], seed: 5)
        let outputs = try Executor(graph: graph, opsets: ["": 21], threads: 1).run(["x": x])
        #expect(outputs["y"]?.shape == [1, 5, 6, 5])
        #expect(outputs["xq"]?.shape == [1, 3, 11, 9])
    }

    @Test(arguments: [
        ConvChain(),
        ConvChain(batch: 2, channels: 8, height: 16, width: 16, hidden: 40, outputs: 33, kernel: [1, 1], strides: [1, 1], pads: [0, 0, 0, 0],
              kernel2: [3, 3], strides2: [2, 2], pads2: [1, 1, 1, 1], finalRelu: true, seed: 2),
        ConvChain(channels: 5, height: 13, width: 17, hidden: 16, outputs: 64, kernel: [5, 3], strides: [1, 2], pads: [2, 1, 2, 1],
              dilations: [2, 1], kernel2: [2, 2], strides2: [1, 1], pads2: [0, 0, 0, 0], seed: 3),
        ConvChain(channels: 1, height: 7, width: 7, hidden: 3, outputs: 17, kernel: [3, 3], strides: [1, 1], pads: [0, 0, 0, 0],
              kernel2: [1, 1], strides2: [1, 1], pads2: [0, 0, 0, 0], finalRelu: true, seed: 4),
    ])
    func channelsLastResultsEqualTheIm2colKernelsOnEveryPath(_ chain: ConvChain) throws {
        let fused = QDQFusion.rewrite(chain.graph())
        #expect(fused.nodes.contains { $0.opType == ChannelsLast.quantizeOp })
        try expectStandardLayoutResults(fused, randomTensor([chain.batch, chain.channels, chain.height, chain.width], seed: chain.seed + 100))
    }

    @Test func qlinearConvAsWrittenRunsChannelsLastWithTheIm2colKernelsResults() throws {
        // The QOperator form of a chain: QuantizeLinear -> QLinearConv (int32 bias, per-channel
        // weights) -> QLinearConv -> DequantizeLinear. The convolutions pass their value
        // channels-last with the padding written out, and give the im2col kernel's bytes
        // (requantized in double, as QLinearConv as written rounds).
        var generator = SeededGenerator(seed: 12)
        func int8s(_ shape: [Int]) -> Tensor {
            Tensor(elements: (0..<shape.reduce(1, *)).map { _ in Int8.random(in: -127...127, using: &generator) }, dataType: .int8, shape: shape)
        }
        var graph = Graph(name: "qop")
        graph.inputs = [ValueInfo(name: "x", type: TensorType(dataType: .float, shape: [1, 3, 13, 11].map { .fixed($0) }))]
        graph.outputs = [ValueInfo(name: "y", type: nil)]
        graph.initializers = [
            "xs": Tensor([0.02], shape: []), "xz": Tensor(elements: [UInt8(128)], dataType: .uint8, shape: []),
            "w1": int8s([8, 3, 3, 3]), "w1s": Tensor((0..<8).map { 0.002 + 0.0003 * Float($0) }, shape: [8]),
            "w1z": Tensor(elements: [Int8](repeating: 0, count: 8), dataType: .int8, shape: [8]),
            "b1": Tensor(elements: (0..<8).map { Int32($0 * 37 - 120) }, dataType: .int32, shape: [8]),
            "hs": Tensor([0.05], shape: []), "hz": Tensor(elements: [UInt8(3)], dataType: .uint8, shape: []),
            "w2": int8s([6, 8, 3, 3]), "w2s": Tensor([0.004], shape: []),
            "w2z": Tensor(elements: [Int8(0)], dataType: .int8, shape: []),
            "ys": Tensor([0.1], shape: []), "yz": Tensor(elements: [UInt8(100)], dataType: .uint8, shape: []),
        ]
        graph.nodes = [
            Node(name: "qx", opType: "QuantizeLinear", inputs: ["x", "xs", "xz"], outputs: ["xq"]),
            Node(name: "conv1", opType: "QLinearConv", inputs: ["xq", "xs", "xz", "w1", "w1s", "w1z", "hs", "hz", "b1"], outputs: ["h"],
                 attributes: ["pads": .ints([1, 1, 1, 1]), "strides": .ints([2, 2])]),
            Node(name: "conv2", opType: "QLinearConv", inputs: ["h", "hs", "hz", "w2", "w2s", "w2z", "ys", "yz"], outputs: ["yq"],
                 attributes: ["pads": .ints([1, 0, 1, 2])]),
            Node(name: "dqy", opType: "DequantizeLinear", inputs: ["yq", "ys", "yz"], outputs: ["y"]),
        ]
        let fused = QDQFusion.rewrite(graph)
        let conv1 = try #require(fused.nodes.first { $0.name == "conv1" })
        let conv2 = try #require(fused.nodes.first { $0.name == "conv2" })
        #expect(fused.nodes.contains { $0.name == "qx" && $0.opType == ChannelsLast.quantizeOp })
        #expect(try conv1.intAttribute(ChannelsLast.inputAttribute) == 1 && conv1.intAttribute(ChannelsLast.outputAttribute) == 1)
        #expect(try conv2.intAttribute(ChannelsLast.inputAttribute) == 1 && conv2.intAttribute(ChannelsLast.outputAttribute) == nil)
        #expect(try conv1.intsAttribute(ChannelsLast.borderAttribute) == [1, 0, 1, 2])
        let outputs = try expectStandardLayoutResults(fused, randomTensor([1, 3, 13, 11], seed: 13, range: -2...2))
        let y = try #require(outputs["y"])
        #expect(y.shape == [1, 6, 7, 6])
        #expect(Set(y.elements(Float.self)).count > 10, "the outputs are not all clamped to a few values")
    }

    @Test(arguments: [false, true])
    func requantizedResultsAreTheSameOnEveryInstructionSet(finalRelu: Bool) throws {
        // Integer sums and their requantization (a fused op's: in float32, product and sum
        // rounded separately) are the same on every path, so a chain ending in a requantized
        // output (here also transposed back to the standard layout as bytes) gives the same
        // values on AVX-512 VNNI, AVX2 and portable C.
        let chain = ConvChain(channels: 6, height: 30, width: 34, hidden: 24, outputs: 40, kernel2: [3, 3], strides2: [2, 2],
                              pads2: [1, 1, 1, 1], finalRelu: finalRelu, quantizedOutput: true, seed: 8)
        let x = randomTensor([1, 6, 30, 34], seed: 81, range: -2...2)
        var results: [[Float]] = []
        for level in [3, 2, 1] {
            let original = IGEMM.instructionSet
            defer { IGEMM.forceInstructionSet(original) }
            guard IGEMM.forceInstructionSet(level) == level else { continue }
            let y = try #require(try Executor(graph: chain.graph(), opsets: ["": 21], threads: 1).run(["x": x])["y"])
            results.append(y.elements(Float.self))
        }
        #expect(results.count >= 2)
        for other in results.dropFirst() { #expect(other == results[0]) }
        #expect(Set(results[0]).count > 20, "the outputs are not all clamped to one value")
    }

    /// QuantizeLinear to uint8 computed one value at a time in Swift: the division rounded to
    /// float, then half to even, saturated; NaN gives the zero point.
    private static func quantized(_ x: Float, scale: Float, zero: UInt8) -> UInt8 {
        if x.isNaN { return zero }
        let q = (x / scale).rounded(.toNearestOrEven) + Float(zero)
        return UInt8(min(max(q, 0), 255))
    }

    @Test(arguments: [Float(0.01), 0.0039215689, 3, 2e-38, 1e30])
    func quantizingRoundsAsTheDivisionDoesOnEveryPath(scale: Float) throws {
        // Values on, just beside and between half steps, out of range, infinite and NaN, for
        // the flat QuantizeLinear and the channels-last one (3 and 6 channels, padded to 4 and
        // 8, over 37 pixels: a partial vector). The vector paths divide without a division
        // where the scale allows it; the results must be the division's.
        var generator = SeededGenerator(seed: 9)
        for channels in [3, 6] {
            let count = channels * 37
            var values = (0..<count).map { index -> Float in
                let step = Float(Int.random(in: -300...300, using: &generator)) + 0.5
                switch index % 4 {
                case 0: return step * scale
                case 1: return (step * scale).nextUp
                case 2: return (step * scale).nextDown
                default: return Float.random(in: -300...300, using: &generator) * scale
                }
            }
            values[0] = .nan
            values[1] = 1e9
            values[2] = .infinity
            values[3] = -.infinity
            values[5] = 3e38
            values[6] = -3e38
            values[7] = 0.5 * scale
            let x = Tensor(values, shape: [1, channels, 37, 1])
            let zero = UInt8(100)
            let expected = values.map { Self.quantized($0, scale: scale, zero: zero) }
            let scaleTensor = Tensor([scale], shape: []), zeroTensor = Tensor(elements: [zero], dataType: .uint8, shape: [])
            let node = Node(name: "q", opType: "QuantizeLinear", inputs: ["x", "s", "z"], outputs: ["y"])
            for level in [3, 1] {
                let original = IGEMM.instructionSet
                defer { IGEMM.forceInstructionSet(original) }
                guard IGEMM.forceInstructionSet(level) == level else { continue }
                let context = KernelContext(threadCount: 1)
                let flat = try QuantizeLinearKernel(node: node, opset: 21).run([x, scaleTensor, zeroTensor], context)[0]
                #expect(flat.elements(UInt8.self) == expected, "QuantizeLinear, path \(level), scale \(scale)")
                let y = try ChannelsLastQuantizeKernel(node: node).run([x, scaleTensor, zeroTensor], context)[0]
                let cp = (channels + 3) / 4 * 4
                #expect(y.shape == [1, 37, 1, cp])
                let bytes = y.elements(UInt8.self)
                for pixel in 0..<37 {
                    for c in 0..<channels where bytes[pixel * cp + c] != expected[c * 37 + pixel] {
                        Issue.record("channels-last, path \(level), scale \(scale), pixel \(pixel), channel \(c): \(bytes[pixel * cp + c]), expected \(expected[c * 37 + pixel])")
                    }
                }
            }
        }
    }
}
