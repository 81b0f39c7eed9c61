import Foundation

/// One criterion checked against an attempt's measurements, kept in the session's results so a
/// user sees which bound failed and by how much.
struct CriterionResult: Encodable, Equatable, Sendable {
    /// The criteria field (`min_accuracy_retention_percent`, `constraints.control_hz`, …).
    var criterion: String
    var required: String
    var measured: String
    var passed: Bool
    /// A bound that only warns (contracts.md: `max_size_reduction_percent` on a fixed-ratio
    /// technique) never fails the run.
    var warningOnly: Bool

    enum CodingKeys: String, CodingKey {
        case criterion, required, measured, passed
        case warningOnly = "warning_only"
    }
}

/// What an attempt measured, in the units the criteria use.
struct AttemptFigures: Sendable {
    var accuracyRetentionPercent: Double
    var p99Milliseconds: Double
    var sizeReductionPercent: Double
    var optimizedBytes: Int64
    var peakWorkingBytes: Int
}

/// The criteria semantics of contracts.md and docs/criteria.md, applied to one attempt.
enum CriteriaCheck {
    static func evaluate(_ figures: AttemptFigures, criteria: OptimizationCriteria, controlHz: Double?) -> [CriterionResult] {
        var results = [
            CriterionResult(
                criterion: "min_accuracy_retention_percent", required: ">= \(format(criteria.minAccuracyRetentionPercent)) %",
                measured: "\(format(figures.accuracyRetentionPercent)) %",
                passed: figures.accuracyRetentionPercent >= criteria.minAccuracyRetentionPercent, warningOnly: false),
            CriterionResult(
                criterion: "max_inference_time_ms", required: "p99 <= \(criteria.maxInferenceTimeMs) ms",
                measured: "p99 \(format(figures.p99Milliseconds)) ms",
                passed: figures.p99Milliseconds <= Double(criteria.maxInferenceTimeMs), warningOnly: false),
            CriterionResult(
                criterion: "max_size_reduction_percent", required: "<= \(format(criteria.maxSizeReductionPercent)) %",
                measured: "\(format(figures.sizeReductionPercent)) %",
                passed: figures.sizeReductionPercent <= criteria.maxSizeReductionPercent, warningOnly: true),
        ]
        let constraints = criteria.constraints
        if let limit = constraints.maxModelSizeMB {
            let megabytes = Double(figures.optimizedBytes) / 1_000_000
            results.append(CriterionResult(
                criterion: "constraints.max_model_size_mb", required: "<= \(format(limit)) MB", measured: "\(format(megabytes)) MB",
                passed: megabytes <= limit, warningOnly: false))
        }
        if let limit = constraints.maxPeakMemoryMB {
            let megabytes = Double(figures.peakWorkingBytes) / 1_000_000
            results.append(CriterionResult(
                criterion: "constraints.max_peak_memory_mb", required: "<= \(format(limit)) MB", measured: "\(format(megabytes)) MB",
                passed: megabytes <= limit, warningOnly: false))
        }
        if let hz = controlHz ?? constraints.controlHz, hz > 0 {
            let period = 1000 / hz
            results.append(CriterionResult(
                criterion: "constraints.control_hz", required: "p99 <= \(format(period)) ms (one period at \(format(hz)) Hz)",
                measured: "p99 \(format(figures.p99Milliseconds)) ms",
                passed: figures.p99Milliseconds <= period, warningOnly: false))
        }
        return results
    }

    /// The failed bounds, for the session's error message.
    static func failures(_ results: [CriterionResult]) -> [CriterionResult] {
        results.filter { !$0.passed && !$0.warningOnly }
    }

    static func format(_ value: Double) -> String {
        let rounded = (value * 1000).rounded() / 1000
        return rounded == rounded.rounded() ? String(Int(rounded)) : String(rounded)
    }
}
