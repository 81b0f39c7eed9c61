import Foundation

/// The measured outcome of a run: the three headline figures and the full results document.
public struct SessionOutcome: Equatable, Sendable {
    public var sizeReductionPercent: Double?
    public var speedImprovementPercent: Double?
    public var accuracyRetentionPercent: Double?
    /// Everything measured, with the method (threads, runs, inputs) and provenance.
    public var results: JSONValue

    public init(
        sizeReductionPercent: Double?, speedImprovementPercent: Double?, accuracyRetentionPercent: Double?,
        results: JSONValue
    ) {
        self.sizeReductionPercent = sizeReductionPercent
        self.speedImprovementPercent = speedImprovementPercent
        self.accuracyRetentionPercent = accuracyRetentionPercent
        self.results = results
    }
}

/// One step in a session's life. Every store applies changes through `Session.applying`, so
/// the rules of legal transitions and the event each change publishes live in one place,
/// whatever the backend.
public enum SessionChange: Sendable {
    /// pending -> running.
    case start
    /// While running: a new percentage and step name.
    case progress(percentage: Double, step: String, estimatedCompletion: Date?)
    /// running -> completed with the measured outcome.
    case complete(SessionOutcome)
    /// pending | running -> failed. `outcome` keeps the best attempt's figures when there was one.
    case fail(type: SessionErrorType, message: String, outcome: SessionOutcome?)
    /// Someone asks the session to stop: a pending one is cancelled at once; a running one gets
    /// the cancel mark, and its process ends it with `.cancel` at the next step.
    case requestCancel(reason: String)
    /// pending | running -> cancelled, by the process that runs it.
    case cancel(reason: String)
}

/// A change that the session's current status does not allow.
public struct IllegalTransition: UserFacingError, Equatable {
    public let sessionID: String
    public let status: SessionStatus
    public let attempted: String

    public var kind: ErrorKind { .conflict }
    public var message: String { "session \(sessionID) is \(status.rawValue); it cannot be \(attempted)" }
}

extension Session {
    /// The session after `change` at time `now`, and the event that reports it (nil when the
    /// change publishes nothing, as a cancel request on a running session).
    public func applying(_ change: SessionChange, at now: Date) throws(IllegalTransition) -> (Session, SessionEvent?) {
        var next = self
        next.updatedAt = now
        func move(to status: SessionStatus, _ attempted: String) throws(IllegalTransition) {
            guard self.status.canTransition(to: status) else {
                throw IllegalTransition(sessionID: id, status: self.status, attempted: attempted)
            }
            next.status = status
            if status.isTerminal { next.completedAt = now }
        }
        func record(_ outcome: SessionOutcome) {
            next.sizeReductionPercent = outcome.sizeReductionPercent
            next.speedImprovementPercent = outcome.speedImprovementPercent
            next.accuracyRetentionPercent = outcome.accuracyRetentionPercent
            next.results = outcome.results
        }

        switch change {
        case .start:
            try move(to: .running, "started")
            next.currentStep = "starting"
            return (next, .started(SessionStarted(
                sessionID: id, modelID: modelID, modelName: modelName, techniques: techniques, timestamp: now)))

        case let .progress(percentage, step, estimatedCompletion):
            guard status == .running else {
                throw IllegalTransition(sessionID: id, status: status, attempted: "given progress")
            }
            next.progressPercentage = min(100, max(0, percentage))
            next.currentStep = step
            return (next, .progress(SessionProgress(
                sessionID: id, progressPercentage: next.progressPercentage, currentStep: step,
                estimatedCompletion: estimatedCompletion, timestamp: now)))

        case let .complete(outcome):
            try move(to: .completed, "completed")
            record(outcome)
            next.progressPercentage = 100
            next.currentStep = "done"
            var summary: [String: JSONValue] = [
                "size_reduction_percent": outcome.sizeReductionPercent.map(JSONValue.number) ?? .null,
                "speed_improvement_percent": outcome.speedImprovementPercent.map(JSONValue.number) ?? .null,
                "accuracy_retention_percent": outcome.accuracyRetentionPercent.map(JSONValue.number) ?? .null,
            ]
            for key in ["output_model_path", "output_model_id"] {
                if let value = outcome.results[key] { summary[key] = value }
            }
            return (next, .completed(SessionCompleted(sessionID: id, results: .object(summary), timestamp: now)))

        case let .fail(type, message, outcome):
            try move(to: .failed, "failed")
            if let outcome { record(outcome) }
            next.errorType = type
            next.errorMessage = message
            return (next, .failed(SessionFailed(
                sessionID: id, errorMessage: message, errorType: type.rawValue, timestamp: now)))

        case let .requestCancel(reason):
            switch status {
            case .pending:
                return try applying(.cancel(reason: reason), at: now)
            case .running:
                next.cancelRequested = true
                return (next, nil)
            case .completed, .failed, .cancelled:
                throw IllegalTransition(sessionID: id, status: status, attempted: "cancelled")
            }

        case let .cancel(reason):
            try move(to: .cancelled, "cancelled")
            next.cancelRequested = false
            next.errorMessage = reason
            return (next, .cancelled(SessionCancelled(sessionID: id, reason: reason, timestamp: now)))
        }
    }
}
