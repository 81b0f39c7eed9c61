import Testing
@testable import OptKit

/// A chain of float convolutions as exporters write an image encoder: x -> Conv -> BN -> Relu
/// -> Conv -> Relu -> Conv -> y, constant weights, so the executor runs them channels-last and
/// passes the values between them in that layout.
private struct FloatConvChain: Sendable, CustomTestStringConvertible {
    var batch = 1, channels = 3, height = 19, width = 23
    var widths = [16, 40, 33]
    var kernels = [[3, 3], [3, 3], [2, 3]]
    var strides = [[2, 2], [1, 2], [1, 1]]
    var pads = [[1, 1, 1, 1], [0, 1, 2, 1], [1, 0, 0, 1]]
    var dilations = [[1, 1], [1, 1], [2, 1]]
    var seed: UInt64 = 1

    var testDescription: String { "N\(batch) C\(channels) \(height)x\(width) -> \(widths)" }

    func graph() -> Graph {
        var graph = Graph(name: "chain")
        graph.inputs = [ValueInfo(name: "x", type: TensorType(dataType: .float, shape: [batch, channels, height, width].map { .fixed($0) }))]
        graph.outputs = [ValueInfo(name: "y", type: nil)]
        var previous = "x", inChannels = channels
        for (layer, outChannels) in widths.enumerated() {
            let w = "w\(layer)", conv = "c\(layer)"
            graph.initializers[w] = randomTensor([outChannels, inChannels] + kernels[layer], seed: seed * 10 + UInt64(layer))
            let last = layer == widths.count - 1
            graph.nodes.append(Node(name: conv, opType: "Conv", inputs: [previous, w], outputs: [last ? "y" : conv], attributes: [
                "strides": .ints(strides[layer]), "pads": .ints(pads[layer]), "dilations": .ints(dilations[layer]),
            ]))
            if layer == 0 {
                for (name, low) in [("s", Float(0.5)), ("b", -0.5), ("m", -0.5), ("v", 0.5)] {
                    graph.initializers[name] = randomTensor([outChannels], seed: seed * 100 + UInt64(name.unicodeScalars.first!.value),
                                                            range: low...(low + 1.5))
                }
                graph.nodes.append(Node(name: "bn", opType: "BatchNormalization", inputs: [conv, "s", "b", "m", "v"], outputs: ["n0"]))
                graph.nodes.append(Node(name: "relu0", opType: "Relu", inputs: ["n0"], outputs: ["r0"]))
                previous = "r0"
            } else if !last {
                graph.nodes.append(Node(name: "relu\(layer)", opType: "Relu", inputs: [conv], outputs: ["r\(layer)"]))
                previous = "r\(layer)"
            }
            inChannels = outChannels
        }
        return graph
    }

    /// The chain computed with the naive reference convolution, in NCHW.
    func reference(_ x: Tensor) -> [Float] {
        let graph = graph()
        var values = x.elements(Float.self), shape = x.shape
        for (layer, outChannels) in widths.enumerated() {
            let w = graph.initializers["w\(layer)"]!
            var out: [Int] = []
            for axis in 0..<2 {
                let extent = (kernels[layer][axis] - 1) * dilations[layer][axis] + 1
                out.append((shape[2 + axis] + pads[layer][axis] + pads[layer][axis + 2] - extent) / strides[layer][axis] + 1)
            }
            values = referenceConv(x: values, xShape: shape, w: w.elements(), wShape: w.shape, bias: nil, group: 1,
                                   strides: strides[layer], dilations: dilations[layer], padBegin: Array(pads[layer][0..<2]), outSize: out)
            let pixels = out[0] * out[1]
            if layer == 0 {
                let (s, b, m, v) = ["s", "b", "m", "v"].map { graph.initializers[$0]!.elements(Float.self) }.quadruple
                values = values.enumerated().map { index, value in
                    let c = index / pixels % outChannels
                    return max(0, (value - m[c]) / (v[c] + 1e-5).squareRoot() * s[c] + b[c])
                }
            } else if layer < widths.count - 1 {
                values = values.map { max(0, $0) }
            }
            shape = [shape[0], outChannels] + out
        }
        return values
    }
}

private extension Array {
    var quadruple: (Element, Element, Element, Element) { (self[0], self[1], self[2], self[3]) }
}

@Suite struct ChannelsLastFloatConvTests {
    private static let chains: [FloatConvChain] = [
        FloatConvChain(),
        // Two images of 6 channels (the RGB path interleaves 3); a
        // 1x1 convolution in the middle (the GEMM path) breaks the chain.
        FloatConvChain(batch: 2, channels: 6, height: 12, width: 10, widths: [32, 17, 64], kernels: [[3, 3], [1, 1], [3, 3]],
                       strides: [[1, 1], [1, 1], [2, 2]], pads: [[1, 1, 1, 1], [0, 0, 0, 0], [1, 1, 1, 1]],
                       dilations: [[1, 1], [1, 1], [1, 1]], seed: 2),
        // One input channel, 5x5 and 1x7 kernels, pixels not a multiple of the 8-pixel block.
        FloatConvChain(channels: 1, height: 9, width: 31, widths: [7, 48, 5], kernels: [[5, 5], [1, 7], [3, 3]],
                       strides: [[1, 2], [2, 1], [1, 1]], pads: [[2, 2, 2, 2], [0, 3, 0, 3], [0, 0, 0, 0]],
                       dilations: [[1, 1], [1, 1], [1, 1]], seed: 3),
        // Output rows wider than a block: most blocks take the fast path (a kernel row at a
        // time, or tap by tap where the columns are dilated).
        FloatConvChain(height: 7, width: 45, widths: [16, 24], kernels: [[3, 3], [3, 3]], strides: [[1, 1], [1, 1]],
                       pads: [[1, 1, 1, 1], [2, 2, 2, 2]], dilations: [[1, 1], [2, 2]], seed: 4),
    ]

    @Test(arguments: chains)
    fileprivate func chainedConvolutionsMatchTheReferenceOnEveryPath(_ chain: FloatConvChain) throws {
        let x = randomTensor([chain.batch, chain.channels, chain.height, chain.width], seed: chain.seed + 50)
        let expected = chain.reference(x)
        try withFloatKernelFamilyHeld {
            for level in [3, 2, 1] {
                let original = SGEMM.instructionSet
                defer { SGEMM.forceInstructionSet(original) }
                guard SGEMM.forceInstructionSet(level) == level else { continue }
                for threads in [1, 2] {
                    let y = try #require(try Executor(graph: chain.graph(), opsets: ["": 17], threads: threads).run(["x": x])["y"])
                    expectClose(y, expected)
                }
            }
        }
    }

    @Test func valuesBetweenChainedConvolutionsAreChannelsLastAndTheOutputIsNot() throws {
        let plan = try preparedPlan(FloatConvChain().graph())
        let convolutions = plan.entries.compactMap { ($0.kernel as? WideningKernel)?.inner as? ConvKernel }
        #expect(convolutions.count == 3)
        #expect(convolutions.map(\.channelsLastInput) == [false, true, true])
        #expect(convolutions.map(\.channelsLastOutput) == [true, true, false])
    }

    @Test func aValueAnythingElseReadsKeepsTheStandardLayout() throws {
        // r0 is also read by a MaxPool, and c1's result is a graph output as well as conv 2's X.
        var graph = FloatConvChain().graph()
        graph.nodes.append(Node(name: "pool", opType: "MaxPool", inputs: ["r0"], outputs: ["p"], attributes: ["kernel_shape": .ints([2, 2])]))
        graph.outputs += [ValueInfo(name: "p", type: nil), ValueInfo(name: "r1", type: nil)]
        let plan = try preparedPlan(graph)
        let convolutions = plan.entries.compactMap { ($0.kernel as? WideningKernel)?.inner as? ConvKernel }
        #expect(convolutions.allSatisfy { !$0.channelsLastInput && !$0.channelsLastOutput })
        let x = randomTensor([1, 3, 19, 23], seed: 7)
        let outputs = try Executor(graph: graph, opsets: ["": 17], threads: 1).run(["x": x])
        expectClose(try #require(outputs["y"]), FloatConvChain().reference(x))
        #expect(outputs["p"]?.shape == [1, 16, 9, 11])
        #expect(outputs["r1"]?.shape == [1, 40, 10, 6])
    }

    private func preparedPlan(_ graph: Graph) throws -> ExecutionPlan {
        var plan = try ExecutionPlan(graph: graph, opsets: ["": 17])
        try plan.fold(using: KernelContext(threadCount: 1))
        plan.fuse()
        plan.foldTransposes()
        plan.assignChannelsLast()
        return plan
    }
}
