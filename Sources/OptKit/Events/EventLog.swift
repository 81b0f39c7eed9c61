import Foundation

/// An event as recorded in the store, with its position in the log.
public struct StoredEvent: Equatable, Sendable {
    /// Strictly increasing across the whole log; a follower resumes after the last it saw.
    public let sequence: Int64
    public let event: SessionEvent
    public let recordedAt: Date

    public init(sequence: Int64, event: SessionEvent, recordedAt: Date) {
        self.sequence = sequence
        self.event = event
        self.recordedAt = recordedAt
    }
}

/// The append-only log of session events that every store change writes to (in the same
/// transaction). Any process can follow it: this is how a server sees runs started by the CLI.
public protocol EventLog: Sendable {
    /// Events after `sequence`, oldest first, at most `limit`.
    func events(after sequence: Int64, limit: Int) async throws -> [StoredEvent]
    /// Events of one session, oldest first (replay after a reconnect).
    func events(session id: String) async throws -> [StoredEvent]
    /// The sequence of the newest event, 0 when there is none.
    func lastSequence() async throws -> Int64
    /// Deletes progress events recorded before `cutoff`; lifecycle events are kept forever.
    /// Returns how many were deleted.
    func compactProgress(before cutoff: Date) async throws -> Int
}
