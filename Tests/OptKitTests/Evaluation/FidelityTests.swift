import OptKit
import Testing

/// A float tensor (literal arrays alone are ambiguous between Tensor's Float and Int64 inits).
private func floatTensor(_ values: [Float], _ shape: [Int]) -> Tensor {
    Tensor(values, shape: shape)
}

@Suite struct FidelityTests {
    @Test func identicalOutputsRetainEverything() throws {
        var accumulator = FidelityAccumulator(reference: "baseline model outputs")
        let y = floatTensor([1, -2, 3, 0.5], [1, 4])
        try accumulator.add(outputs: ["y": y], reference: ["y": y])
        let report = accumulator.report()
        #expect(report.accuracyRetentionPercent == 100)
        #expect(report.outputs.first?.cosineSimilarity == 1 && report.outputs.first?.relativeL2Error == 0)
        #expect(report.outputs.first?.top1Agreement == 1)
    }

    @Test func retentionIsOneMinusRelativeL2AveragedOverSamplesAndOutputs() throws {
        var accumulator = FidelityAccumulator(reference: "expected outputs")
        let reference = floatTensor([3, 4], [2])  // norm 5
        try accumulator.add(outputs: ["a": floatTensor([3, 4.5], [2]), "b": reference],
                            reference: ["a": reference, "b": reference])  // a: rel L2 0.1
        try accumulator.add(outputs: ["a": floatTensor([3, 5], [2]), "b": reference],
                            reference: ["a": reference, "b": reference])  // a: rel L2 0.2
        let report = accumulator.report()
        let a = try #require(report.outputs.first { $0.output == "a" })
        #expect(abs(a.relativeL2Error - 0.15) < 1e-12)
        #expect(abs(a.retentionPercent - 85) < 1e-9)
        #expect(abs(a.maxAbsError - 1) < 1e-12)
        #expect(abs(report.accuracyRetentionPercent - 92.5) < 1e-9)  // mean of 85 and 100
        #expect(report.samples == 2)
    }

    @Test func anErrorLargerThanTheReferenceCountsAsZeroNotNegative() throws {
        var accumulator = FidelityAccumulator(reference: "baseline model outputs")
        try accumulator.add(outputs: ["y": floatTensor([10, 0], [2])], reference: ["y": floatTensor([1, 0], [2])])
        #expect(accumulator.report().accuracyRetentionPercent == 0)
    }

    @Test func classScoresDeclaredAsSuchCountTopOneAgreement() throws {
        var accumulator = FidelityAccumulator(reference: "expected outputs", top1Outputs: ["logits"])
        let reference = floatTensor([0.1, 0.9, 0.8, 0.2], [2, 2])  // classes 1, 0
        let optimized = floatTensor([0.2, 0.7, 0.1, 0.3], [2, 2])  // classes 1, 1
        try accumulator.add(outputs: ["logits": optimized], reference: ["logits": reference])
        let output = try #require(accumulator.report().outputs.first)
        #expect(output.top1Agreement == 0.5 && output.scoredByTop1)
        #expect(output.retentionPercent == 50)
    }

    @Test func zeroReferencesAreHandledWithoutDividingByZero() throws {
        var accumulator = FidelityAccumulator(reference: "baseline model outputs")
        try accumulator.add(outputs: ["z": floatTensor([0, 0], [2]), "w": floatTensor([1, 0], [2])],
                            reference: ["z": floatTensor([0, 0], [2]), "w": floatTensor([0, 0], [2])])
        let report = accumulator.report()
        #expect(report.outputs.first { $0.output == "z" }?.retentionPercent == 100)
        #expect(report.outputs.first { $0.output == "w" }?.retentionPercent == 0)
    }

    @Test func missingOrMisshapenOutputsAreErrors() {
        var accumulator = FidelityAccumulator(reference: "expected outputs")
        #expect(throws: EvaluationError.missingOutput("y")) {
            try accumulator.add(outputs: [:], reference: ["y": floatTensor([1], [1])])
        }
        #expect(throws: EvaluationError.shapeMismatch(output: "y", expected: [1], actual: [2])) {
            try accumulator.add(outputs: ["y": floatTensor([1, 2], [2])], reference: ["y": floatTensor([1], [1])])
        }
    }
}
