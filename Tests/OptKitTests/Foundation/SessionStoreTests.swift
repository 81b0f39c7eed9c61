import Foundation
import GRDB
import OptKit
import Testing

@Suite struct SessionStoreTests {
    @Test func listsNewestFirstWithFiltersPagingAndTotals() async throws {
        let directory = try TemporaryDirectory()
        let platform = try makePlatform(in: directory)
        var created: [Session] = []
        for index in 0..<7 {
            created.append(try await seedSession(
                platform.sessions, model: index.isMultiple(of: 2) ? "a" : "b", status: index < 4 ? .completed : .failed,
                size: 10, speed: 20))
        }
        let all = try await platform.sessions.list(SessionFilter())
        #expect(all.total == 7)
        #expect(all.sessions.map(\.id) == created.reversed().map(\.id))

        let page = try await platform.sessions.list(SessionFilter(status: "completed", skip: "1", limit: "2"))
        #expect(page.total == 4 && page.skip == 1 && page.limit == 2)
        #expect(page.sessions.map(\.id) == [created[2].id, created[1].id])

        let byModel = try await platform.sessions.list(SessionFilter(modelID: "b"))
        #expect(byModel.total == 3 && byModel.sessions.allSatisfy { $0.modelID == "b" })

        let future = try await platform.sessions.list(SessionFilter(startDate: "2999-01-01"))
        #expect(future.total == 0 && future.sessions.isEmpty)
    }

    @Test func everyChangeAppendsItsEventInTheSameTransaction() async throws {
        let directory = try TemporaryDirectory()
        let platform = try makePlatform(in: directory)
        let session = try await seedSession(platform.sessions, status: .running)
        try await platform.sessions.apply(.progress(percentage: 40, step: "calibrating", estimatedCompletion: nil), to: session.id)
        try await platform.sessions.apply(.requestCancel(reason: "user"), to: session.id)
        try await platform.sessions.apply(.cancel(reason: "cancelled by user"), to: session.id)
        let names = try await platform.database.writer.read { db in
            try String.fetchAll(db, sql: "SELECT name FROM events WHERE session_id = ? ORDER BY seq", arguments: [session.id])
        }
        #expect(names == ["session_started", "session_progress", "session_cancelled"])
        let stored = try await platform.sessions.session(id: session.id)
        #expect(stored.status == .cancelled && !stored.cancelRequested)
    }

    @Test func anIllegalChangeWritesNothing() async throws {
        let directory = try TemporaryDirectory()
        let platform = try makePlatform(in: directory)
        let session = try await seedSession(platform.sessions, status: .completed, size: 50, speed: 10)
        await #expect(throws: IllegalTransition.self) {
            try await platform.sessions.apply(.requestCancel(reason: "late"), to: session.id)
        }
        #expect(try await platform.sessions.session(id: session.id) == session)
        let events = try await platform.database.writer.read { db in
            try Int.fetchOne(db, sql: "SELECT count(*) FROM events WHERE name = 'session_cancelled'")
        }
        #expect(events == 0)
    }

    @Test func unknownSessionIsNotFound() async throws {
        let directory = try TemporaryDirectory()
        let platform = try makePlatform(in: directory)
        await #expect(throws: NotFound.self) { try await platform.sessions.session(id: "missing") }
        await #expect(throws: NotFound.self) { try await platform.sessions.apply(.start, to: "missing") }
    }

    @Test func resultsDocumentRoundTrips() async throws {
        let directory = try TemporaryDirectory()
        let platform = try makePlatform(in: directory)
        let session = try await seedSession(platform.sessions, status: .running)
        let results: JSONValue = .object([
            "baseline": .object(["bytes": .number(1_000_000), "latency_ms": .object(["p50": .number(1.25)])]),
            "fidelity": .array([.object(["output": .string("actions"), "cosine": .number(0.9999)])]),
        ])
        try await platform.sessions.apply(.complete(SessionOutcome(
            sizeReductionPercent: 50, speedImprovementPercent: -3.5, accuracyRetentionPercent: 99, results: results)), to: session.id)
        let stored = try await platform.sessions.session(id: session.id)
        #expect(stored.results == results)
        #expect(stored.speedImprovementPercent == -3.5)
    }
}
