import Foundation

/// One optimization session and its measured outcome.
///
/// JSON field names are the seed's (`session_id`, not `id`). Figures stay nil until measured;
/// they are written as `null`, never omitted, so clients see every field.
public struct Session: Codable, Equatable, Sendable {
    public var id: String
    public var modelID: String
    public var modelName: String
    public var status: SessionStatus
    public var progressPercentage: Double
    public var currentStep: String?
    public var techniques: [String]
    public var sizeReductionPercent: Double?
    public var speedImprovementPercent: Double?
    public var accuracyRetentionPercent: Double?
    /// Baseline and optimized bytes and latencies, fidelity metrics, attempts, provenance.
    public var results: JSONValue?
    public var errorMessage: String?
    public var errorType: SessionErrorType?
    public var owner: String
    /// Set when someone asked a running session to stop; its process ends it as cancelled.
    public var cancelRequested: Bool
    public var createdAt: Date
    public var updatedAt: Date
    public var completedAt: Date?

    public init(
        id: String, modelID: String, modelName: String, status: SessionStatus = .pending,
        progressPercentage: Double = 0, currentStep: String? = nil, techniques: [String],
        sizeReductionPercent: Double? = nil, speedImprovementPercent: Double? = nil,
        accuracyRetentionPercent: Double? = nil, results: JSONValue? = nil, errorMessage: String? = nil,
        errorType: SessionErrorType? = nil, owner: String, cancelRequested: Bool = false,
        createdAt: Date, updatedAt: Date, completedAt: Date? = nil
    ) {
        self.id = id
        self.modelID = modelID
        self.modelName = modelName
        self.status = status
        self.progressPercentage = progressPercentage
        self.currentStep = currentStep
        self.techniques = techniques
        self.sizeReductionPercent = sizeReductionPercent
        self.speedImprovementPercent = speedImprovementPercent
        self.accuracyRetentionPercent = accuracyRetentionPercent
        self.results = results
        self.errorMessage = errorMessage
        self.errorType = errorType
        self.owner = owner
        self.cancelRequested = cancelRequested
        self.createdAt = createdAt
        self.updatedAt = updatedAt
        self.completedAt = completedAt
    }

    enum CodingKeys: String, CodingKey {
        case id = "session_id"
        case modelID = "model_id"
        case modelName = "model_name"
        case status
        case progressPercentage = "progress_percentage"
        case currentStep = "current_step"
        case techniques
        case sizeReductionPercent = "size_reduction_percent"
        case speedImprovementPercent = "speed_improvement_percent"
        case accuracyRetentionPercent = "accuracy_retention_percent"
        case results
        case errorMessage = "error_message"
        case errorType = "error_type"
        case owner
        case cancelRequested = "cancel_requested"
        case createdAt = "created_at"
        case updatedAt = "updated_at"
        case completedAt = "completed_at"
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(id, forKey: .id)
        try c.encode(modelID, forKey: .modelID)
        try c.encode(modelName, forKey: .modelName)
        try c.encode(status, forKey: .status)
        try c.encode(progressPercentage, forKey: .progressPercentage)
        try c.encode(currentStep, forKey: .currentStep)
        try c.encode(techniques, forKey: .techniques)
        try c.encode(sizeReductionPercent, forKey: .sizeReductionPercent)
        try c.encode(speedImprovementPercent, forKey: .speedImprovementPercent)
        try c.encode(accuracyRetentionPercent, forKey: .accuracyRetentionPercent)
        try c.encode(results, forKey: .results)
        try c.encode(errorMessage, forKey: .errorMessage)
        try c.encode(errorType, forKey: .errorType)
        try c.encode(owner, forKey: .owner)
        try c.encode(cancelRequested, forKey: .cancelRequested)
        try c.encode(createdAt, forKey: .createdAt)
        try c.encode(updatedAt, forKey: .updatedAt)
        try c.encode(completedAt, forKey: .completedAt)
    }
}

/// The seed's OptimizationSessionSummary, plus owner, current step, accuracy retention and
/// error type (extra fields that a list view needs; no seed field is replaced).
public struct SessionSummary: Codable, Equatable, Sendable {
    public var id: String
    public var modelID: String
    public var modelName: String
    public var status: SessionStatus
    public var progressPercentage: Double
    public var currentStep: String?
    public var techniques: [String]
    public var sizeReductionPercent: Double?
    public var speedImprovementPercent: Double?
    public var accuracyRetentionPercent: Double?
    public var errorType: SessionErrorType?
    public var owner: String
    public var createdAt: Date
    public var updatedAt: Date
    public var completedAt: Date?

    public init(_ session: Session) {
        id = session.id
        modelID = session.modelID
        modelName = session.modelName
        status = session.status
        progressPercentage = session.progressPercentage
        currentStep = session.currentStep
        techniques = session.techniques
        sizeReductionPercent = session.sizeReductionPercent
        speedImprovementPercent = session.speedImprovementPercent
        accuracyRetentionPercent = session.accuracyRetentionPercent
        errorType = session.errorType
        owner = session.owner
        createdAt = session.createdAt
        updatedAt = session.updatedAt
        completedAt = session.completedAt
    }

    enum CodingKeys: String, CodingKey {
        case id = "session_id"
        case modelID = "model_id"
        case modelName = "model_name"
        case status
        case progressPercentage = "progress_percentage"
        case currentStep = "current_step"
        case techniques
        case sizeReductionPercent = "size_reduction_percent"
        case speedImprovementPercent = "speed_improvement_percent"
        case accuracyRetentionPercent = "accuracy_retention_percent"
        case errorType = "error_type"
        case owner
        case createdAt = "created_at"
        case updatedAt = "updated_at"
        case completedAt = "completed_at"
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(id, forKey: .id)
        try c.encode(modelID, forKey: .modelID)
        try c.encode(modelName, forKey: .modelName)
        try c.encode(status, forKey: .status)
        try c.encode(progressPercentage, forKey: .progressPercentage)
        try c.encode(currentStep, forKey: .currentStep)
        try c.encode(techniques, forKey: .techniques)
        try c.encode(sizeReductionPercent, forKey: .sizeReductionPercent)
        try c.encode(speedImprovementPercent, forKey: .speedImprovementPercent)
        try c.encode(accuracyRetentionPercent, forKey: .accuracyRetentionPercent)
        try c.encode(errorType, forKey: .errorType)
        try c.encode(owner, forKey: .owner)
        try c.encode(createdAt, forKey: .createdAt)
        try c.encode(updatedAt, forKey: .updatedAt)
        try c.encode(completedAt, forKey: .completedAt)
    }
}

/// The seed's SessionListResponse.
public struct SessionPage: Codable, Equatable, Sendable {
    public var sessions: [SessionSummary]
    public var total: Int
    public var skip: Int
    public var limit: Int

    public init(sessions: [SessionSummary], total: Int, skip: Int, limit: Int) {
        self.sessions = sessions
        self.total = total
        self.skip = skip
        self.limit = limit
    }
}
