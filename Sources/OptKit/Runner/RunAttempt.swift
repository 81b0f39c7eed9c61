import Foundation

/// One try at optimizing the model: the passes applied (with the layers the fallback excluded),
/// the file written, and everything measured on it.
struct RunAttempt: Sendable {
    var number: Int
    /// Nodes the fallback kept in float32 for this attempt (beyond the criteria's exclusions).
    var fallbackExclusions: [String]
    var reports: [PassReport]
    /// The attempt's model, written beside the final output under a hidden temporary name.
    var file: URL
    var bytes: Int64
    var sha256: String
    /// The baseline, timed in alternation with this attempt's model.
    var baselineLatency: LatencyReport
    var latency: LatencyReport
    var fidelity: FidelityReport
    var actionParity: Double
    var sizeReductionPercent: Double
    var speedImprovementPercent: Double
    var checks: [CriterionResult]

    var meetsCriteria: Bool { CriteriaCheck.failures(checks).isEmpty }

    /// Nodes the passes quantized: the candidates of the sensitivity analysis.
    var quantizedNodes: [String] {
        reports.flatMap { report -> [String] in
            guard case .array(let nodes) = report.details["quantized_nodes"] ?? .null else { return [] }
            return nodes.compactMap { $0["node"]?.stringValue }.filter { !$0.isEmpty }
        }
    }

    var json: JSONValue {
        .object([
            "attempt": .number(Double(number)),
            "fallback_excluded_nodes": .array(fallbackExclusions.map(JSONValue.string)),
            "passes": .array(reports.map { JSONValue.encoding($0) }),
            "bytes": .number(Double(bytes)),
            "latency": .encoding(latency),
            "baseline_latency": .encoding(baselineLatency),
            "fidelity": .encoding(fidelity),
            "action_parity_max_abs": .number(actionParity),
            "size_reduction_percent": .number(sizeReductionPercent),
            "speed_improvement_percent": .number(speedImprovementPercent),
            "accuracy_retention_percent": .number(fidelity.accuracyRetentionPercent),
            "criteria": .encoding(checks),
            "meets_criteria": .bool(meetsCriteria),
        ])
    }
}
