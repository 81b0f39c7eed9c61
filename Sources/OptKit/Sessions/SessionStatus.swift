/// Where a session is in its life. The seed's four plus `pending` for a queued session.
public enum SessionStatus: String, Codable, Sendable, CaseIterable {
    case pending, running, completed, failed, cancelled

    /// A finished session never changes status again.
    public var isTerminal: Bool {
        switch self {
        case .completed, .failed, .cancelled: true
        case .pending, .running: false
        }
    }

    /// Legal moves: pending -> running | failed | cancelled; running -> completed | failed |
    /// cancelled. Nothing leaves a terminal status.
    public func canTransition(to next: SessionStatus) -> Bool {
        switch (self, next) {
        case (.pending, .running), (.pending, .failed), (.pending, .cancelled): true
        case (.running, .completed), (.running, .failed), (.running, .cancelled): true
        default: false
        }
    }
}

/// Why a session failed (contracts: `error_type`).
public enum SessionErrorType: String, Codable, Sendable, CaseIterable {
    case criteriaNotMet = "criteria_not_met"
    case invalidModel = "invalid_model"
    case unsupportedOp = "unsupported_op"
    case invalidInput = "invalid_input"
    case interrupted
    case `internal`
}
