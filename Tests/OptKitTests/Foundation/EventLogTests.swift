import Foundation
import OptKit
import Testing

@Suite struct EventLogTests {
    @Test func aFollowerSeesEventsWrittenThroughAnotherConnection() async throws {
        let directory = try TemporaryDirectory()
        let server = try makePlatform(in: directory)
        let cli = try makePlatform(in: directory)  // its own connection pool, as another process has
        let log = SQLiteEventLog(database: server.database)
        try await seedSession(server.sessions, status: .completed, size: 1, speed: 1)  // before following
        let start = try await log.lastSequence()

        let follower = EventFollower(
            log: log, changes: try SQLiteChangeDetector(path: directory.path("home/optctl.sqlite")),
            interval: .milliseconds(20))
        let received = Task {
            var names: [String] = []
            for try await stored in follower.events(after: start) {
                names.append(stored.event.name)
                if names.count == 3 { break }
            }
            return names
        }
        let session = try await seedSession(cli.sessions, status: .running)
        try await cli.sessions.apply(.progress(percentage: 50, step: "calibrating", estimatedCompletion: nil), to: session.id)
        try await cli.sessions.apply(.fail(type: .interrupted, message: "lease expired", outcome: nil), to: session.id)

        let names = try await withTimeout(seconds: 10) { try await received.value }
        #expect(names == ["session_started", "session_progress", "session_failed"])
    }

    @Test func compactionDropsOldProgressAndKeepsLifecycle() async throws {
        let directory = try TemporaryDirectory()
        let platform = try makePlatform(in: directory)
        let log = SQLiteEventLog(database: platform.database)
        let session = try await seedSession(platform.sessions, status: .running)
        for step in 1...3 {
            try await platform.sessions.apply(.progress(percentage: Double(step * 10), step: "step \(step)", estimatedCompletion: nil), to: session.id)
        }
        try await platform.sessions.apply(.cancel(reason: "user"), to: session.id)
        #expect(try await log.compactProgress(before: Date().addingTimeInterval(60)) == 3)
        let names = try await log.events(session: session.id).map(\.event.name)
        #expect(names == ["session_started", "session_cancelled"])
    }

    @Test func storedPayloadsDecodeToTheSameEvents() async throws {
        let directory = try TemporaryDirectory()
        let platform = try makePlatform(in: directory)
        let session = try await seedSession(platform.sessions, status: .running)
        let started = try await SQLiteEventLog(database: platform.database).events(session: session.id)
        guard case .started(let event)? = started.first?.event else { Issue.record("no started event"); return }
        #expect(event.sessionID == session.id && event.modelName == session.modelName && event.techniques == ["fp16"])
    }

    @Test func theDetectorReportsOnlyCommitsFromOtherConnections() async throws {
        let directory = try TemporaryDirectory()
        let platform = try makePlatform(in: directory)
        let detector = try SQLiteChangeDetector(path: directory.path("home/optctl.sqlite"))
        _ = try await detector.hasChanged()
        #expect(try await detector.hasChanged() == false)
        try await seedSession(platform.sessions, status: .pending)
        #expect(try await detector.hasChanged() == true)
        #expect(try await detector.hasChanged() == false)
    }
}

/// Fails instead of hanging when `body` does not finish in time.
func withTimeout<T: Sendable>(seconds: Double, _ body: @escaping @Sendable () async throws -> T) async throws -> T {
    try await withThrowingTaskGroup(of: T.self) { group in
        group.addTask { try await body() }
        group.addTask {
            try await Task.sleep(for: .seconds(seconds))
            throw TimeoutError(seconds: seconds)
        }
        let first = try await group.next()!
        group.cancelAll()
        return first
    }
}

struct TimeoutError: Error, CustomStringConvertible {
    let seconds: Double
    var description: String { "timed out after \(seconds) s" }
}
