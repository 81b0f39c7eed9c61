import Foundation
import Testing
@testable import OptKit

@Suite struct OpsetUpgradeTests {
    /// An opset-11 graph using the attribute forms that changed in opset 13.
    func oldFormsGraph() -> Model {
        var graph = Graph(name: "old")
        graph.inputs = [ValueInfo(name: "x", type: TensorType(dataType: .float, shape: [.fixed(2), .fixed(3), .fixed(4)]))]
        graph.outputs = [ValueInfo(name: "y", type: nil), ValueInfo(name: "s", type: nil)]
        graph.nodes = [
            Node(name: "unsq", opType: "Unsqueeze", inputs: ["x"], outputs: ["u"], attributes: ["axes": .ints([0])]),
            Node(name: "sq", opType: "Squeeze", inputs: ["u"], outputs: ["q"], attributes: ["axes": .ints([0])]),
            Node(name: "split", opType: "Split", inputs: ["q"], outputs: ["p1", "p2"], attributes: ["axis": .int(2), "split": .ints([1, 3])]),
            Node(name: "sum", opType: "ReduceSum", inputs: ["p2"], outputs: ["r"], attributes: ["axes": .ints([2]), "keepdims": .int(1)]),
            Node(name: "cat", opType: "Concat", inputs: ["p1", "r"], outputs: ["c"], attributes: ["axis": .int(2)]),
            Node(name: "soft", opType: "Softmax", inputs: ["c"], outputs: ["y"], attributes: ["axis": .int(1)]),
            Node(name: "soft_last", opType: "Softmax", inputs: ["c"], outputs: ["s"], attributes: ["axis": .int(2)]),
        ]
        return Model(graph: graph, opsetImports: ["": 11], irVersion: 6)
    }

    @Test func convertsTheOpsWhoseFormChangedAndKeepsTheResults() throws {
        let model = oldFormsGraph()
        var upgraded = model
        let notes = try OpsetUpgrade.upgrade(&upgraded, to: 13)
        #expect(upgraded.opset == 13)
        #expect(upgraded.irVersion >= 7)
        #expect(notes.first == "opset raised from 11 to 13")
        for node in upgraded.graph.nodes where ["Squeeze", "Unsqueeze", "Split", "ReduceSum"].contains(node.opType) {
            #expect(node.attributes["axes"] == nil && node.attributes["split"] == nil, "\(node.opType) kept its attribute")
            #expect(node.inputs.count == 2)
        }
        // The axis-1 Softmax of rank 3 meant "over dims 1 and 2 flattened": Flatten/Reshape keep that.
        #expect(opCounts(upgraded.graph)["Flatten"] == 1)
        #expect(upgraded.validate().isEmpty)
        let x = randomTensor([2, 3, 4], seed: 3)
        let before = try runEngine(model, ["x": x])
        let after = try runEngine(upgraded, ["x": x])
        for name in ["y", "s"] {
            #expect(maxAbsDifference(after[name]!, before[name]!) < 1e-6, "\(name)")
        }
    }

    @Test func convertsOpset10ClipAndPad() throws {
        var graph = Graph(name: "ten")
        graph.inputs = [ValueInfo(name: "x", type: TensorType(dataType: .float, shape: [.fixed(1), .fixed(4)]))]
        graph.outputs = [ValueInfo(name: "y", type: nil)]
        graph.nodes = [
            Node(name: "clip", opType: "Clip", inputs: ["x"], outputs: ["c"], attributes: ["min": .float(-0.5), "max": .float(0.5)]),
            Node(name: "pad", opType: "Pad", inputs: ["c"], outputs: ["y"], attributes: ["pads": .ints([0, 1, 0, 2]), "value": .float(3)]),
        ]
        let model = Model(graph: graph, opsetImports: ["": 10])
        var upgraded = model
        _ = try OpsetUpgrade.upgrade(&upgraded, to: 13)
        #expect(upgraded.graph.nodes.allSatisfy { $0.attributes["min"] == nil && $0.attributes["pads"] == nil })
        let x = Tensor([-2, 0.25, 1, -0.1], shape: [1, 4])
        #expect(try runEngine(upgraded, ["x": x])["y"]!.elements(Float.self) == [3, -0.5, 0.25, 0.5, -0.1, 3, 3])
        #expect(try runEngine(model, ["x": x])["y"]!.elements(Float.self) == [3, -0.5, 0.25, 0.5, -0.1, 3, 3])
    }

    @Test func refusesWhatItCannotConvertWithoutTouchingTheModel() throws {
        var model = oldFormsGraph()
        model.opsetImports[""] = 9
        #expect(throws: PassInputError.self) { try OpsetUpgrade.upgrade(&model, to: 13) }
        #expect(model.opset == 9)
        var resize = mlpGraph(opset: 10)
        resize.graph.nodes.append(Node(name: "up", opType: "Resize", inputs: ["y", "scales"], outputs: ["z"]))
        #expect { try OpsetUpgrade.upgrade(&resize, to: 11) } throws: { error in
            (error as? PassInputError)?.message.contains("'up'") == true
        }
        #expect(resize.opset == 10)
    }
}

@Suite struct ActivationHistogramTests {
    /// Mostly N(0,1)-like values with a few large outliers.
    func values() -> [Float] {
        var generator = SeededGenerator(seed: 11)
        var data = (0..<20_000).map { _ in (0..<4).map { _ in Float.random(in: -1...1, using: &generator) }.reduce(0, +) }
        data[10] = 40
        data[20] = -35
        return data
    }

    @Test func percentileAndEntropyClipOutliersThatMinMaxKeeps() {
        var histogram = ActivationHistogram()
        let data = values()
        data.withUnsafeBufferPointer { histogram.add(UnsafeBufferPointer(rebasing: $0[0..<10_000])) }
        data.withUnsafeBufferPointer { histogram.add(UnsafeBufferPointer(rebasing: $0[10_000...])) }
        #expect(histogram.low == -35 && histogram.high == 40)
        let (low, high) = histogram.percentileRange(99.9, symmetric: false)
        #expect(high < 5 && high > 2, "\(high)")
        #expect(low > -5 && low < -2, "\(low)")
        let (symmetricLow, symmetricHigh) = histogram.percentileRange(99.9, symmetric: true)
        #expect(symmetricLow == -symmetricHigh)
        let (entropyLow, entropyHigh) = histogram.entropyRange()
        #expect(entropyHigh < 20 && entropyHigh > 1.5, "\(entropyHigh)")
        #expect(entropyLow > -20 && entropyLow < -1.5, "\(entropyLow)")
        // Keeping everything gives the observed extremes.
        let (allLow, allHigh) = histogram.percentileRange(100, symmetric: false)
        #expect(allLow == -35 && allHigh == 40)
    }

    @Test func growingTheRangeMergesBinsExactly() {
        var histogram = ActivationHistogram()
        let small: [Float] = [0.5, -0.5, 0.25]
        small.withUnsafeBufferPointer { histogram.add($0) }
        let large: [Float] = [8, -8]
        large.withUnsafeBufferPointer { histogram.add($0) }
        #expect(histogram.total == 5)
        #expect(histogram.counts.reduce(0, +) == 5)
        #expect(histogram.bound >= 8)
    }
}

@Suite struct QuantizationMathTests {
    @Test func activationParametersIncludeZeroAndRoundTrip() {
        let asymmetric = QuantParameters.activation(low: 0.5, high: 6, symmetric: false)
        #expect(asymmetric.dataType == .uint8)
        #expect(asymmetric.zeroPoint == 0)  // the range is widened to include 0
        #expect(abs(asymmetric.scale - 6 / 255) < 1e-7)
        let centered = QuantParameters.activation(low: -1, high: 3, symmetric: false)
        #expect(centered.zeroPoint == 64)
        let symmetric = QuantParameters.activation(low: -1, high: 3, symmetric: true)
        #expect(symmetric.dataType == .int8 && symmetric.zeroPoint == 0 && abs(symmetric.scale - 3 / 127) < 1e-7)
    }

    @Test func perChannelWeightsErrBySomeHalfAScaleAtMost() {
        let weight = randomTensor([3, 5, 2], seed: 4, range: -2...2)
        for axis in [0, 1, nil] as [Int?] {
            let quantized = QuantizedWeight(weight, axis: axis)
            #expect(quantized.scales.count == (axis.map { weight.shape[$0] } ?? 1))
            let restored = quantized.dequantized()
            let maxScale = quantized.scales.max()!
            for (a, b) in zip(restored, weight.elements(Float.self)) { #expect(abs(a - b) <= maxScale / 2 + 1e-6) }
            #expect(quantized.values.elements(Int8.self).allSatisfy { $0 >= -127 })
        }
    }
}
