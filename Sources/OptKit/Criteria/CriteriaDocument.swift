/// A criteria document as a client sends it (`config put`, `PUT /config/optimization-criteria`):
/// the seed's fields, plus the optional `version` that makes the write conditional.
public struct CriteriaDocument: Equatable, Sendable {
    public var criteria: OptimizationCriteria
    /// The version the client last read; nil means last writer wins.
    public var expectedVersion: Int?

    /// Fields the server sets; a client may send them back unchanged and they are ignored.
    static let readOnlyKeys: Set<String> = ["created_at", "updated_at"]

    /// Parses a document, reporting every missing, mistyped or unknown field at once.
    /// `description` and `constraints` may be omitted (empty and no constraints).
    public init(json: JSONValue) throws(InvalidRequest) {
        var reader = DocumentReader(json)
        typealias Key = OptimizationCriteria.CodingKeys
        let name = reader.string(Key.name.rawValue, required: true)
        let description = reader.string(Key.description.rawValue, required: false) ?? ""
        let targetDeployment = reader.string(Key.targetDeployment.rawValue, required: true)
        let techniques = reader.strings(Key.enabledTechniques.rawValue, required: true)
        let hardware = reader.string(Key.hardwareTarget.rawValue, required: true)
        let maxSize = reader.number(Key.maxSizeReductionPercent.rawValue, required: true)
        let minAccuracy = reader.number(Key.minAccuracyRetentionPercent.rawValue, required: true)
        let maxTime = reader.integer(Key.maxInferenceTimeMs.rawValue, required: true)
        let version = reader.integer("version", required: false)
        if let version, version < 1 {
            reader.report(FieldProblem(field: "version", value: .number(Double(version)), message: "must be an integer >= 1"))
        }
        var constraints = OptimizationConstraints()
        if let nested = reader.object(Key.constraints.rawValue) {
            var inner = DocumentReader(nested, field: Key.constraints.rawValue)
            typealias C = OptimizationConstraints.CodingKeys
            constraints.maxModelSizeMB = inner.number(C.maxModelSizeMB.rawValue, required: false)
            constraints.maxPeakMemoryMB = inner.number(C.maxPeakMemoryMB.rawValue, required: false)
            constraints.controlHz = inner.number(C.controlHz.rawValue, required: false)
            constraints.excludedOpTypes = inner.strings(C.excludedOpTypes.rawValue, required: false) ?? []
            constraints.excludedNodes = inner.strings(C.excludedNodes.rawValue, required: false) ?? []
            constraints.maxFallbackAttempts = inner.integer(C.maxFallbackAttempts.rawValue, required: false)
                ?? OptimizationConstraints.defaultFallbackAttempts
            inner.rejectUnknownKeys(known: Set(C.allCases.map(\.rawValue)))
            reader.absorb(inner)
        }
        reader.rejectUnknownKeys(known: Set(Key.allCases.map(\.rawValue)).union(Self.readOnlyKeys).union(["version"]))

        guard reader.problems.isEmpty, let name, let targetDeployment, let techniques, let hardware,
              let maxSize, let minAccuracy, let maxTime
        else { throw InvalidRequest(reader.problems) }
        criteria = OptimizationCriteria(
            name: name, description: description, constraints: constraints, targetDeployment: targetDeployment,
            enabledTechniques: techniques, hardwareTarget: hardware, maxSizeReductionPercent: maxSize,
            minAccuracyRetentionPercent: minAccuracy, maxInferenceTimeMs: maxTime)
        expectedVersion = version
    }
}
