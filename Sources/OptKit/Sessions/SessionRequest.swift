import Foundation

/// A request to start a session as a client sends it (POST /optimization/sessions):
/// `{model_id, techniques, criteria?}`, where `criteria` overrides some of the stored criteria
/// for this run only.
public struct SessionRequest: Equatable, Sendable {
    public var modelID: String
    public var techniques: [String]
    /// The overriding fields, as sent (an object), or nil.
    public var criteriaOverrides: [String: JSONValue]?

    /// Fields of the stored criteria a run may override. Name, description and the enabled
    /// technique list describe the stored document, not a run (a run's techniques are its own).
    public static let overridableKeys: Set<String> = [
        "target_deployment", "hardware_target", "max_size_reduction_percent", "min_accuracy_retention_percent",
        "max_inference_time_ms", "constraints",
    ]

    /// Parses a request, reporting every missing, mistyped or unknown field at once.
    public init(json: JSONValue) throws(InvalidRequest) {
        var reader = DocumentReader(json)
        let modelID = reader.string("model_id", required: true)
        let techniques = reader.strings("techniques", required: true)
        var overrides: [String: JSONValue]?
        if let value = reader.object("criteria") {
            if case .object(let object) = value {
                overrides = object
                for key in object.keys.sorted() where !Self.overridableKeys.contains(key) {
                    reader.report(FieldProblem(
                        field: "criteria." + key, value: object[key],
                        message: "cannot be overridden per session (allowed: \(Self.overridableKeys.sorted().joined(separator: ", ")))"))
                }
            } else {
                reader.report(FieldProblem(field: "criteria", value: value, message: "must be a JSON object"))
            }
        }
        reader.rejectUnknownKeys(known: ["model_id", "techniques", "criteria"])
        if let modelID, modelID.isEmpty || modelID.count > 200 {
            reader.report(FieldProblem(field: "model_id", value: .string(modelID), message: "must be 1 to 200 characters"))
        }
        if let techniques {
            let known = Technique.all.map(\.id).joined(separator: ", ")
            if techniques.isEmpty {
                reader.report(FieldProblem(field: "techniques", value: .array([]), message: "must name at least one technique (\(known))"))
            }
            for id in techniques where Technique.named(id) == nil {
                reader.report(FieldProblem(field: "techniques", value: .string(id), message: "is not a known technique (\(known))"))
            }
            for id in Set(techniques).sorted() where techniques.filter({ $0 == id }).count > 1 {
                reader.report(FieldProblem(field: "techniques", value: .string(id), message: "is listed more than once"))
            }
        }
        guard reader.problems.isEmpty, let modelID, let techniques else { throw InvalidRequest(reader.problems) }
        self.modelID = modelID
        self.techniques = techniques
        self.criteriaOverrides = overrides
    }

    /// The criteria this run is held to: `base` with the overrides applied (constraints merged
    /// key by key) and the run's techniques as the enabled ones, validated by the same rules as
    /// a config PUT. Problems name the request's fields (`criteria.max_inference_time_ms`,
    /// `techniques`); contradictions such as int8 on a target without int8 are conflicts.
    public func effectiveCriteria(base: OptimizationCriteria) throws -> OptimizationCriteria {
        guard case .object(var merged) = try JSONParser.parse(JSONCoding.string(base)) else {
            preconditionFailure("criteria encode as an object")
        }
        for (key, value) in criteriaOverrides ?? [:] {
            if key == "constraints", case .object(let overrides) = value, case .object(var constraints)? = merged[key] {
                for (name, item) in overrides { constraints[name] = item }
                merged[key] = .object(constraints)
            } else {
                merged[key] = value
            }
        }
        merged["enabled_techniques"] = .array(techniques.map(JSONValue.string))
        func rename(_ problem: FieldProblem) -> FieldProblem {
            var problem = problem
            problem.field = problem.field == "enabled_techniques" ? "techniques" : "criteria." + problem.field
            return problem
        }
        let criteria: OptimizationCriteria
        do {
            criteria = try CriteriaDocument(json: .object(merged)).criteria
        } catch {
            throw InvalidRequest(error.fields.map(rename))
        }
        let problems = CriteriaValidator.problems(in: criteria)
        if !problems.isEmpty {
            throw CriteriaRejected(problems: problems.map {
                CriteriaValidator.Problem(problemClass: $0.problemClass, field: rename($0.field))
            })
        }
        return criteria
    }
}
