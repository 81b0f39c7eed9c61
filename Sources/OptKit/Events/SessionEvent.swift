import Foundation

/// The real-time events of the seed ("Event Schemas") with the payloads contracts.md fixes.
/// The same payload goes to NDJSON (`optctl run --json`), the events table and Socket.IO.
public enum SessionEvent: Equatable, Sendable {
    case started(SessionStarted)
    case progress(SessionProgress)
    case completed(SessionCompleted)
    case failed(SessionFailed)
    case cancelled(SessionCancelled)

    public var name: String {
        switch self {
        case .started: "session_started"
        case .progress: "session_progress"
        case .completed: "session_completed"
        case .failed: "session_failed"
        case .cancelled: "session_cancelled"
        }
    }

    public var sessionID: String {
        switch self {
        case .started(let e): e.sessionID
        case .progress(let e): e.sessionID
        case .completed(let e): e.sessionID
        case .failed(let e): e.sessionID
        case .cancelled(let e): e.sessionID
        }
    }

    /// Lifecycle events are kept forever; progress events may be compacted.
    public var isLifecycle: Bool {
        if case .progress = self { return false }
        return true
    }

    /// The payload as JSON text, the form stored in the events table.
    public func payloadJSON() -> String {
        switch self {
        case .started(let e): JSONCoding.string(e)
        case .progress(let e): JSONCoding.string(e)
        case .completed(let e): JSONCoding.string(e)
        case .failed(let e): JSONCoding.string(e)
        case .cancelled(let e): JSONCoding.string(e)
        }
    }

    /// Rebuilds an event from its stored name and payload.
    public static func decode(name: String, payload: Data) throws -> SessionEvent {
        let decoder = JSONCoding.decoder()
        switch name {
        case "session_started": return .started(try decoder.decode(SessionStarted.self, from: payload))
        case "session_progress": return .progress(try decoder.decode(SessionProgress.self, from: payload))
        case "session_completed": return .completed(try decoder.decode(SessionCompleted.self, from: payload))
        case "session_failed": return .failed(try decoder.decode(SessionFailed.self, from: payload))
        case "session_cancelled": return .cancelled(try decoder.decode(SessionCancelled.self, from: payload))
        default:
            throw DecodingError.dataCorrupted(.init(codingPath: [], debugDescription: "unknown event \(name)"))
        }
    }
}

/// Seed: SessionStartedEvent.
public struct SessionStarted: Codable, Equatable, Sendable {
    public var sessionID: String
    public var modelID: String
    public var modelName: String
    public var techniques: [String]
    public var timestamp: Date

    enum CodingKeys: String, CodingKey {
        case sessionID = "session_id", modelID = "model_id", modelName = "model_name", techniques, timestamp
    }
}

/// Seed: SessionProgressEvent.
public struct SessionProgress: Codable, Equatable, Sendable {
    public var sessionID: String
    public var progressPercentage: Double
    public var currentStep: String
    public var estimatedCompletion: Date?
    public var timestamp: Date

    enum CodingKeys: String, CodingKey {
        case sessionID = "session_id", progressPercentage = "progress_percentage", currentStep = "current_step"
        case estimatedCompletion = "estimated_completion", timestamp
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(sessionID, forKey: .sessionID)
        try c.encode(progressPercentage, forKey: .progressPercentage)
        try c.encode(currentStep, forKey: .currentStep)
        try c.encode(estimatedCompletion, forKey: .estimatedCompletion)  // null, not omitted
        try c.encode(timestamp, forKey: .timestamp)
    }
}

/// Seed: SessionCompletedEvent. `results` carries the three figures and the output model.
public struct SessionCompleted: Codable, Equatable, Sendable {
    public var sessionID: String
    public var results: JSONValue
    public var timestamp: Date

    enum CodingKeys: String, CodingKey {
        case sessionID = "session_id", results, timestamp
    }
}

/// Seed: SessionFailedEvent.
public struct SessionFailed: Codable, Equatable, Sendable {
    public var sessionID: String
    public var errorMessage: String
    public var errorType: String
    public var timestamp: Date

    enum CodingKeys: String, CodingKey {
        case sessionID = "session_id", errorMessage = "error_message", errorType = "error_type", timestamp
    }
}

/// contracts.md: session_cancelled = {session_id, reason, timestamp}.
public struct SessionCancelled: Codable, Equatable, Sendable {
    public var sessionID: String
    public var reason: String
    public var timestamp: Date

    enum CodingKeys: String, CodingKey {
        case sessionID = "session_id", reason, timestamp
    }
}
