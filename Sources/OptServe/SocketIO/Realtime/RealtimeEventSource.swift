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

    public func latestSequence() async throws -> Int64 {
        try await log.lastSequence()
    }

    public func events(after sequence: Int64) -> AsyncThrowingStream<StoredEvent, any Error> {
        follower.events(after: sequence)
    }
}
