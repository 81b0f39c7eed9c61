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
}
