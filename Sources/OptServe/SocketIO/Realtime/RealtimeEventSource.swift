import Foundation
import OptKit

/// Where session events come from. The server follows the store's event log, so events of runs
/// started by any process (`optctl run`, the server's own runner) reach its clients.
public protocol RealtimeEventSource: Sendable {
    /// The newest event's position now: the channel starts after it, so events recorded before
    /// the server started are not re-sent.
    func latestSequence() async throws -> Int64
    /// Events after `sequence`, as they are recorded; the stream ends with an error when the
    /// store fails (the channel alerts and resumes from the last event it saw).
    func events(after sequence: Int64) -> AsyncThrowingStream<StoredEvent, any Error>
}

/// The store's event log, followed with OptKit's `EventFollower` (data_version-gated polling,
/// at most every `interval`).
public struct StoreEventSource: RealtimeEventSource {
    let log: any EventLog
    let follower: EventFollower

    public init(log: any EventLog, changes: any ChangeDetector, interval: Duration = .milliseconds(100)) {
        self.log = log
        self.follower = EventFollower(log: log, changes: changes, interval: interval)
    }

    /// Follows the event log of a platform's database; SQLite's data_version, read on a
    /// connection of its own, tells when any process committed. A database without a file (the
    /// tests' in-memory store, which no other process can write) is read at every interval.
    public init(database: AppDatabase, interval: Duration = .milliseconds(100)) throws {
        let path = database.writer.path
        let changes: any ChangeDetector = FileManager.default.fileExists(atPath: path)
            ? try SQLiteChangeDetector(path: path) : EveryPoll()
        self.init(log: SQLiteEventLog(database: database), changes: changes, interval: interval)
    }

    public func latestSequence() async throws -> Int64 {
        try await log.lastSequence()
    }

    public func events(after sequence: Int64) -> AsyncThrowingStream<StoredEvent, any Error> {
        follower.events(after: sequence)
    }
}

/// A change detector that always says "maybe": the follower reads the log at every poll.
private struct EveryPoll: ChangeDetector {
    func hasChanged() async throws -> Bool { true }
}
