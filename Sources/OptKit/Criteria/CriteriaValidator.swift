/// The rules criteria must satisfy (docs/criteria.md). Two classes: invalid values (a value
/// out of range, unknown or malformed on its own) and conflicts (values fine alone but
/// contradictory together). Every rule is checked, so a client learns all problems at once.
public enum CriteriaValidator {
    public enum Class: String, Sendable {
        case invalid, conflict
    }

    public struct Problem: Equatable, Sendable {
        public let problemClass: Class
        public let field: FieldProblem
    }

    public static func problems(in criteria: OptimizationCriteria) -> [Problem] {
        var problems: [Problem] = []
        func invalid(_ field: String, _ value: JSONValue?, _ message: String) {
            problems.append(Problem(problemClass: .invalid, field: FieldProblem(field: field, value: value, message: message)))
        }
        func conflict(_ field: String, _ value: JSONValue?, _ message: String) {
            problems.append(Problem(problemClass: .conflict, field: FieldProblem(field: field, value: value, message: message)))
        }

        let name = criteria.name.trimmingCharacters(in: .whitespaces)
        if name.isEmpty || criteria.name.count > 100 {
            invalid("name", .string(criteria.name), "must be 1 to 100 characters, not only spaces")
        }
        if criteria.description.count > 2000 {
            invalid("description", .string(String(criteria.description.prefix(40)) + "…"), "must be at most 2000 characters")
        }
        if criteria.targetDeployment.trimmingCharacters(in: .whitespaces).isEmpty || criteria.targetDeployment.count > 64 {
            invalid("target_deployment", .string(criteria.targetDeployment), "must be 1 to 64 characters")
        }

        let techniques = criteria.enabledTechniques
        let known = Technique.all.map(\.id).joined(separator: ", ")
        if techniques.isEmpty {
            invalid("enabled_techniques", .array([]), "must name at least one technique (\(known))")
        }
        for id in techniques where Technique.named(id) == nil {
            invalid("enabled_techniques", .string(id), "is not a known technique (\(known))")
        }
        for id in Set(techniques) where techniques.filter({ $0 == id }).count > 1 {
            invalid("enabled_techniques", .string(id), "is listed more than once")
        }
        let target = HardwareTarget.named(criteria.hardwareTarget)
        if target == nil {
            invalid("hardware_target", .string(criteria.hardwareTarget),
                    "is not a known hardware target (\(HardwareTarget.all.map(\.id).joined(separator: ", ")))")
        }

        let maxSize = criteria.maxSizeReductionPercent
        if !(maxSize > 0 && maxSize <= 100) {
            invalid("max_size_reduction_percent", .number(maxSize), "must be greater than 0 and at most 100")
        }
        let minAccuracy = criteria.minAccuracyRetentionPercent
        if !(0...100).contains(minAccuracy) {
            invalid("min_accuracy_retention_percent", .number(minAccuracy), "must be from 0 to 100")
        }
        let maxTime = criteria.maxInferenceTimeMs
        if !(1...3_600_000).contains(maxTime) {
            invalid("max_inference_time_ms", .number(Double(maxTime)), "must be from 1 to 3600000 (one hour)")
        }

        let constraints = criteria.constraints
        for (key, value) in [("max_model_size_mb", constraints.maxModelSizeMB), ("max_peak_memory_mb", constraints.maxPeakMemoryMB)] {
            if let value, !(value > 0 && value <= 1_000_000) {
                invalid("constraints.\(key)", .number(value), "must be greater than 0 and at most 1000000")
            }
        }
        if let hz = constraints.controlHz, !(hz > 0 && hz <= 100_000) {
            invalid("constraints.control_hz", .number(hz), "must be greater than 0 and at most 100000")
        }
        if !(0...10).contains(constraints.maxFallbackAttempts) {
            invalid("constraints.max_fallback_attempts", .number(Double(constraints.maxFallbackAttempts)), "must be from 0 to 10")
        }
        for op in constraints.excludedOpTypes where !isIdentifier(op) {
            invalid("constraints.excluded_op_types", .string(op), "must be an ONNX op type such as Conv or MatMul")
        }
        for node in constraints.excludedNodes where node.isEmpty || node.count > 256 {
            invalid("constraints.excluded_nodes", .string(node), "must be a node name of 1 to 256 characters")
        }

        // Conflicts: each value is fine on its own, the combination is not.
        if let target {
            for id in techniques {
                guard let technique = Technique.named(id), !target.capabilities.contains(technique.requires) else { continue }
                conflict("enabled_techniques", .string(id),
                         "cannot run on hardware_target \(target.id), which has no \(technique.requires.rawValue) support")
            }
        }
        let enabled = techniques.compactMap(Technique.named)
        if minAccuracy >= 100, !enabled.isEmpty, enabled.allSatisfy(\.isLossy) {
            conflict("min_accuracy_retention_percent", .number(minAccuracy),
                     "100% retention cannot be met when every enabled technique is lossy (\(enabled.map(\.id).joined(separator: ", ")))")
        }
        return problems
    }

    /// Throws `CriteriaRejected` when any rule fails.
    public static func validate(_ criteria: OptimizationCriteria) throws(CriteriaRejected) {
        let problems = problems(in: criteria)
        if !problems.isEmpty { throw CriteriaRejected(problems: problems) }
    }

    private static func isIdentifier(_ text: String) -> Bool {
        guard let first = text.unicodeScalars.first, first.properties.isAlphabetic, text.count <= 64 else { return false }
        return text.unicodeScalars.allSatisfy { $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || $0 == "_") }
    }
}

/// Criteria that break rules. A validation error when any value is invalid; a conflict (HTTP
/// 409, exit 3) when the values are valid but contradict each other. Lists every problem.
public struct CriteriaRejected: UserFacingError, Equatable {
    public let problems: [CriteriaValidator.Problem]

    public var kind: ErrorKind {
        problems.contains { $0.problemClass == .invalid } ? .validation : .conflict
    }

    public var fields: [FieldProblem] { problems.map(\.field) }

    public var message: String {
        let what = kind == .conflict ? "conflicting criteria" : "invalid criteria"
        return "\(what): " + InvalidRequest.summary(of: fields)
    }
}
