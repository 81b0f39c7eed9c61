import Foundation

/// The samples a run judges fidelity on, each with the baseline model's outputs, read once and
/// reused by every attempt and by the sensitivity analysis. At most `limit` samples are kept
/// (RunSettings.maxValidationSamples), which bounds memory by that many input/output sets.
struct ValidationSet: Sendable {
    struct Item: Sendable {
        var sample: Sample
        var baselineOutputs: [String: Tensor]
    }

    var items: [Item]
    /// How the samples were obtained (the source's description, and how many were used).
    var description: String
    var fingerprint: String
    var isSynthetic: Bool

    /// Expected outputs are the reference only when every sample carries them.
    var hasExpectedOutputs: Bool {
        !items.isEmpty && items.allSatisfy { $0.sample.expectedOutputs != nil }
    }

    var reference: String { hasExpectedOutputs ? "expected outputs" : "baseline model outputs" }

    static func load(
        from source: any SampleSource, limit: Int, baseline: Executor, progress: RunProgress, span: ClosedRange<Double>
    ) async throws -> ValidationSet {
        var items: [Item] = []
        let total = min(limit, source.count ?? limit)
        for try await sample in source.samples() {
            if items.count >= limit { break }
            let outputs: [String: Tensor]
            do {
                outputs = try await onDedicatedThread { try baseline.run(sample.inputs) }
            } catch let error as EngineError {
                guard case .invalidFeed = error else { throw error }
                throw InputError(kind: .malformedInput, message: "validation sample '\(sample.name)' of \(source.description): \(error.description)")
            }
            items.append(Item(sample: sample, baselineOutputs: outputs))
            try await progress.update("evaluate baseline", span: span, fraction: Double(items.count) / Double(max(1, total)))
        }
        guard !items.isEmpty else {
            throw InputError(kind: .malformedInput, message: "the validation data (\(source.description)) holds no samples")
        }
        let used = source.count.map { $0 > items.count ? " (first \(items.count) of \($0))" : "" } ?? ""
        return ValidationSet(
            items: items, description: source.description + used, fingerprint: try await source.fingerprint(),
            isSynthetic: source.isSynthetic)
    }

    /// The optimized model's fidelity against the reference, and its action parity: the largest
    /// absolute output difference from the baseline model on the same inputs.
    func evaluate(
        _ executor: Executor, top1Outputs: Set<String>, sampleLimit: Int? = nil,
        progress: RunProgress, step: String, span: ClosedRange<Double>
    ) async throws -> (fidelity: FidelityReport, actionParity: Double) {
        var fidelity = FidelityAccumulator(reference: reference, top1Outputs: top1Outputs)
        var parity = FidelityAccumulator(reference: "baseline model outputs")
        let chosen = items.prefix(sampleLimit ?? items.count)
        for (index, item) in chosen.enumerated() {
            let outputs = try await onDedicatedThread { try executor.run(item.sample.inputs) }
            try fidelity.add(outputs: outputs, reference: hasExpectedOutputs ? item.sample.expectedOutputs ?? [:] : item.baselineOutputs)
            try parity.add(outputs: outputs, reference: item.baselineOutputs)
            try await progress.update(step, span: span, fraction: Double(index + 1) / Double(chosen.count))
        }
        return (fidelity.report(), parity.report().outputs.map(\.maxAbsError).max() ?? 0)
    }

    /// The baseline model's own fidelity against the expected outputs, when the data has them:
    /// how far the unoptimized model already is from the truth.
    func baselineFidelity(top1Outputs: Set<String>) throws -> FidelityReport? {
        guard hasExpectedOutputs else { return nil }
        var accumulator = FidelityAccumulator(reference: reference, top1Outputs: top1Outputs)
        for item in items {
            try accumulator.add(outputs: item.baselineOutputs, reference: item.sample.expectedOutputs ?? [:])
        }
        return accumulator.report()
    }
}
