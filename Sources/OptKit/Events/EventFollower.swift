import Foundation

/// Tells whether the store may have changed since the last call, cheaply enough to ask ten
/// times a second.
public protocol ChangeDetector: Sendable {
    func hasChanged() async throws -> Bool
}

/// Follows the event log: yields every event appended after a starting point, whichever
/// process appended it. Polls every `interval` (contracts: at most every 100 ms), and reads the
/// log only when the change detector says something was committed.
public struct EventFollower: Sendable {
    let log: any EventLog
    let changes: any ChangeDetector
    let interval: Duration
    static let batchSize = 500

    public init(log: any EventLog, changes: any ChangeDetector, interval: Duration = .milliseconds(100)) {
        self.log = log
        self.changes = changes
        self.interval = interval
    }

    /// Events after `sequence`, as they are recorded, until the stream's consumer stops
    /// listening (the polling task is cancelled with it).
    public func events(after sequence: Int64) -> AsyncThrowingStream<StoredEvent, any Error> {
        let (stream, continuation) = AsyncThrowingStream<StoredEvent, any Error>.makeStream()
        let task = Task {
            var last = sequence
            var first = true
            do {
                while !Task.isCancelled {
                    // The first pass reads unconditionally: the detector has no baseline yet.
                    let changed = try await changes.hasChanged()
                    if first || changed {
                        first = false
                        var batch: [StoredEvent]
                        repeat {
                            batch = try await log.events(after: last, limit: Self.batchSize)
                            for event in batch { continuation.yield(event) }
                            last = batch.last?.sequence ?? last
                        } while batch.count == Self.batchSize
                    }
                    try await Task.sleep(for: interval)
                }
                continuation.finish()
            } catch is CancellationError {
                continuation.finish()
            } catch {
                continuation.finish(throwing: error)
            }
        }
        continuation.onTermination = { _ in task.cancel() }
        return stream
    }
}
