import Foundation

/// Limits a run must respect beyond the seed's top-level fields (the seed leaves
/// OptimizationConstraints open; docs/criteria.md lists these keys).
public struct OptimizationConstraints: Codable, Equatable, Sendable {
    /// The optimized file must be no larger than this.
    public var maxModelSizeMB: Double?
    /// The optimized model's peak working memory on the engine must be no larger than this.
    public var maxPeakMemoryMB: Double?
    /// Control loop rate: the optimized p99 latency must fit in one period (1000 / hz ms).
    public var controlHz: Double?
    /// Op types that are never quantized or converted (kept in float32).
    public var excludedOpTypes: [String]
    /// Node names that are never quantized or converted.
    public var excludedNodes: [String]
    /// How many times a run may exclude the most sensitive layers and retry to meet accuracy.
    public var maxFallbackAttempts: Int

    public static let defaultFallbackAttempts = 3

    public init(
        maxModelSizeMB: Double? = nil, maxPeakMemoryMB: Double? = nil, controlHz: Double? = nil,
        excludedOpTypes: [String] = [], excludedNodes: [String] = [],
        maxFallbackAttempts: Int = OptimizationConstraints.defaultFallbackAttempts
    ) {
        self.maxModelSizeMB = maxModelSizeMB
        self.maxPeakMemoryMB = maxPeakMemoryMB
        self.controlHz = controlHz
        self.excludedOpTypes = excludedOpTypes
        self.excludedNodes = excludedNodes
        self.maxFallbackAttempts = maxFallbackAttempts
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case maxModelSizeMB = "max_model_size_mb"
        case maxPeakMemoryMB = "max_peak_memory_mb"
        case controlHz = "control_hz"
        case excludedOpTypes = "excluded_op_types"
        case excludedNodes = "excluded_nodes"
        case maxFallbackAttempts = "max_fallback_attempts"
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(maxModelSizeMB, forKey: .maxModelSizeMB)
        try c.encode(maxPeakMemoryMB, forKey: .maxPeakMemoryMB)
        try c.encode(controlHz, forKey: .controlHz)
        try c.encode(excludedOpTypes, forKey: .excludedOpTypes)
        try c.encode(excludedNodes, forKey: .excludedNodes)
        try c.encode(maxFallbackAttempts, forKey: .maxFallbackAttempts)
    }
}

/// The seed's OptimizationCriteriaResponse plus `version`, which makes writes conditional.
public struct OptimizationCriteria: Codable, Equatable, Sendable {
    public var name: String
    public var description: String
    public var constraints: OptimizationConstraints
    public var targetDeployment: String
    public var enabledTechniques: [String]
    public var hardwareTarget: String
    /// A cap on aggressiveness (contracts.md): techniques with a knob stay within it; a
    /// fixed-ratio technique that exceeds it is a warning in the results, not a failure.
    public var maxSizeReductionPercent: Double
    public var minAccuracyRetentionPercent: Double
    /// The optimized model's p99 latency on the engine must not exceed this.
    public var maxInferenceTimeMs: Int

    public init(
        name: String, description: String, constraints: OptimizationConstraints, targetDeployment: String,
        enabledTechniques: [String], hardwareTarget: String, maxSizeReductionPercent: Double,
        minAccuracyRetentionPercent: Double, maxInferenceTimeMs: Int
    ) {
        self.name = name
        self.description = description
        self.constraints = constraints
        self.targetDeployment = targetDeployment
        self.enabledTechniques = enabledTechniques
        self.hardwareTarget = hardwareTarget
        self.maxSizeReductionPercent = maxSizeReductionPercent
        self.minAccuracyRetentionPercent = minAccuracyRetentionPercent
        self.maxInferenceTimeMs = maxInferenceTimeMs
    }

    /// What a fresh store holds (version 1); documented in docs/criteria.md.
    public static let defaults = OptimizationCriteria(
        name: "default",
        description: "Default criteria: any technique on this CPU, at least 95% accuracy retention, at most 1 s per inference.",
        constraints: OptimizationConstraints(),
        targetDeployment: "robot",
        enabledTechniques: Technique.all.map(\.id),
        hardwareTarget: "cpu",
        maxSizeReductionPercent: 100,
        minAccuracyRetentionPercent: 95,
        maxInferenceTimeMs: 1000)

    enum CodingKeys: String, CodingKey, CaseIterable {
        case name, description, constraints
        case targetDeployment = "target_deployment"
        case enabledTechniques = "enabled_techniques"
        case hardwareTarget = "hardware_target"
        case maxSizeReductionPercent = "max_size_reduction_percent"
        case minAccuracyRetentionPercent = "min_accuracy_retention_percent"
        case maxInferenceTimeMs = "max_inference_time_ms"
    }
}

/// Criteria as stored: the document, its version and its timestamps. Encodes as the seed's
/// OptimizationCriteriaResponse with `version` added.
public struct StoredCriteria: Encodable, Equatable, Sendable {
    public var criteria: OptimizationCriteria
    public var version: Int
    public var createdAt: Date
    public var updatedAt: Date

    public init(criteria: OptimizationCriteria, version: Int, createdAt: Date, updatedAt: Date) {
        self.criteria = criteria
        self.version = version
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }

    enum CodingKeys: String, CodingKey {
        case version, createdAt = "created_at", updatedAt = "updated_at"
    }

    public func encode(to encoder: Encoder) throws {
        try criteria.encode(to: encoder)
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(version, forKey: .version)
        try c.encode(createdAt, forKey: .createdAt)
        try c.encode(updatedAt, forKey: .updatedAt)
    }
}
