import Foundation

/// The session's results document: every figure with how it was measured, each attempt, the
/// criteria checks and the provenance. Its `output_model_path` and `output_model_id` also go
/// into the session_completed event (contracts.md). docs/metrics.md describes each field.
struct RunResults {
    var input: URL
    var inputBytes: Int64
    var output: URL
    var outputModelID: String
    var baselineLatency: LatencyReport
    var baselineFidelity: FidelityReport?
    var kept: RunAttempt
    var attempts: [RunAttempt]
    var sensitivity: SensitivityAnalysis.Ranking?
    var validation: ValidationSet
    var settings: RunSettings
    var criteria: OptimizationCriteria
    var provenance: RunProvenance
    var warnings: [String]

    var json: JSONValue {
        var document: [String: JSONValue] = [
            "method": .object([
                "engine": .string("optctl \(OptKitVersion.string) CPU executor, \(settings.resolvedThreads) thread(s), for baseline and optimized model alike"),
                "latency": .string("p50/p90/p99 of \(settings.runs) timed runs after \(settings.warmupRuns) warm-up runs on the first validation sample's inputs, baseline and optimized model alternating run by run"),
                "size": .string("bytes of the model file, external data included"),
                "fidelity": .string("per output: cosine similarity, relative L2 error and max abs error against the \(validation.reference), over \(validation.items.count) validation sample(s)"),
                "accuracy_retention": .string("100 x mean over samples and outputs of max(0, 1 - relative L2 error); outputs declared as class scores count top-1 agreement (docs/metrics.md)"),
            ]),
            "input_model_path": .string(input.path),
            "output_model_path": .string(output.path),
            "output_model_id": .string(outputModelID),
            "baseline": .object(["bytes": .number(Double(inputBytes)), "latency": .encoding(baselineLatency)]),
            "optimized": .object(["bytes": .number(Double(kept.bytes)), "latency": .encoding(kept.latency)]),
            "fidelity": .encoding(kept.fidelity),
            "robot": robot,
            "passes": .array(kept.reports.map { JSONValue.encoding($0) }),
            "attempts": .array(attempts.map(\.json)),
            "kept_attempt": .number(Double(kept.number)),
            "criteria_checks": .encoding(kept.checks),
            "validation": .object([
                "data": .string(validation.description),
                "samples": .number(Double(validation.items.count)),
                "reference": .string(validation.reference),
                "synthetic": .bool(validation.isSynthetic),
            ]),
            "provenance": .encoding(provenance),
            "warnings": .array(warnings.map(JSONValue.string)),
        ]
        if let baselineFidelity { document["baseline_fidelity"] = .encoding(baselineFidelity) }
        if let sensitivity { document["sensitivity"] = .encoding(sensitivity) }
        return .object(document)
    }

    /// The figures a robot team asks first: does the optimized model fit the control period,
    /// and how far do its actions move from the original model's.
    private var robot: JSONValue {
        var figures: [String: JSONValue] = ["action_parity_max_abs": .number(kept.actionParity)]
        if let hz = settings.controlHz ?? criteria.constraints.controlHz, hz > 0 {
            figures["control_hz"] = .number(hz)
            figures["control_period_ms"] = .number(1000 / hz)
            figures["optimized_p99_fits_period"] = .bool(kept.latency.p99Milliseconds <= 1000 / hz)
            figures["baseline_p99_fits_period"] = .bool(baselineLatency.p99Milliseconds <= 1000 / hz)
        }
        return .object(figures)
    }
}
