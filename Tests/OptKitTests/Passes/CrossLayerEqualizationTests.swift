import Foundation
import Testing
@testable import OptKit

@Suite struct CrossLayerEqualizationTests {
    /// Conv -> (folded BatchNorm) -> Relu -> Conv: the float outputs do not change, and each
    /// channel's largest weight is the same in both layers afterwards.
    @Test func equalizesChannelRangesWithoutChangingTheOutputs() throws {
        var graph = convBatchNormGraph().graph
        ConstantWeights.promote(in: &graph)
        _ = BatchNormFolding.fold(in: &graph)
        let before = Model(graph: graph, opsetImports: ["": 17])
        var equalizedGraph = graph
        let layers = CrossLayerEqualization.equalize(in: &equalizedGraph)
        #expect(layers == ["conv1"])
        let after = Model(graph: equalizedGraph, opsetImports: ["": 17])

        let x = randomTensor([2, 3, 8, 8], seed: 9)
        let expected = try runEngine(before, ["x": x])["y"]!
        let actual = try runEngine(after, ["x": x])["y"]!
        #expect(relativeL2(actual, expected) < 1e-5)

        let conv1 = try #require(equalizedGraph.nodes.first { $0.name == "conv1" })
        let conv2 = try #require(equalizedGraph.nodes.first { $0.name == "conv2" })
        let r1 = CrossLayerEqualization.channelMaxima(try #require(equalizedGraph.initializers[conv1.inputs[1]]), axis: 0)
        let r2 = CrossLayerEqualization.channelMaxima(try #require(equalizedGraph.initializers[conv2.inputs[1]]), axis: 1)
        for (a, b) in zip(r1, r2) { #expect(abs(a - b) <= 1e-5 * max(a, b)) }
        // Before, the folded 1e8-variance channel was orders of magnitude off the others.
        let original = CrossLayerEqualization.channelMaxima(try #require(graph.initializers[conv1.inputs[1]]), axis: 0)
        #expect(original.max()! / original.min()! > 10 * (r1.max()! / r1.min()!))
    }

    /// Only per-tensor weights need it; the reports say which layers were equalized.
    @Test func perTensorQuantizationEqualizesPerChannelDoesNot() async throws {
        let calibration = randomSamples(4, shape: [1, 3, 8, 8])
        for technique in ["quantize-int8", "quantize-int8-dynamic"] {
            let (_, perTensor) = try await applying(technique, ["per_channel": .bool(false)], to: convBatchNormGraph(), context: context(calibration: calibration))
            #expect(perTensor.details["equalized_layers"] == .array([.string("conv1")]), "\(technique)")
            let (_, perChannel) = try await applying(technique, to: convBatchNormGraph(), context: context(calibration: calibration))
            #expect(perChannel.details["equalized_layers"] == .array([]), "\(technique)")
        }
    }

    /// A weight another node also reads is left alone (rescaling it would change that node).
    @Test func sharedWeightsAreNotRescaled() throws {
        var graph = convBatchNormGraph().graph
        ConstantWeights.promote(in: &graph)
        _ = BatchNormFolding.fold(in: &graph)
        let conv2 = try #require(graph.nodes.first { $0.name == "conv2" })
        graph.nodes.append(Node(name: "peek", opType: "Identity", inputs: [conv2.inputs[1]], outputs: ["w2_copy"]))
        graph.outputs.append(ValueInfo(name: "w2_copy", type: nil))
        #expect(CrossLayerEqualization.equalize(in: &graph).isEmpty)
    }
}
