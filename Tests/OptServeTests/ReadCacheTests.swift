import Foundation
import Hummingbird
import OptKit
import Testing

@testable import OptServe

/// The stats and list answers are kept while the database file is unchanged; these check that
/// what a user sees is never older than the store, whoever wrote to it.
@Suite struct ReadCacheTests {
    /// A platform over a database file, as `optctl serve` has, and a second platform opened on
    /// the same file: another connection, as an `optctl run` in another process would have.
    static func fileBackedPlatforms() throws -> (server: Platform, elsewhere: Platform) {
        let home = FileManager.default.temporaryDirectory.appendingPathComponent("optserve-cache-\(UUID().uuidString)")
        let server = try Platform(configuration: PlatformConfiguration(home: home, user: "tester"))
        let elsewhere = try Platform(configuration: PlatformConfiguration(home: home, user: "eve"))
        return (server, elsewhere)
    }

    static func first(_ sessions: JSONValue) -> JSONValue? {
        if case .array(let items) = sessions { items.first } else { nil }
    }

    @Test func statsAndListsShowSessionsWrittenByAnotherConnectionAtTheNextRequest() async throws {
        let (platform, elsewhere) = try Self.fileBackedPlatforms()
        try await Fixture(platform: platform).test { client in
            // Asked twice each, so that the answers are cached before the store changes.
            for _ in 0..<2 {
                #expect(try await client.request(.get, "/dashboard/stats", as: "vic").json()["total_sessions"] == .number(0))
                #expect(try await client.request(.get, "/optimization/sessions?status=completed", as: "vic").json()["total"] == .number(0))
            }

            let done = try await makeSession(elsewhere, owner: "eve", status: .completed)
            let stats = try await client.request(.get, "/dashboard/stats", as: "vic").json()
            #expect(stats["total_sessions"] == .number(1))
            #expect(stats["completed_optimizations"] == .number(1))
            #expect(stats["average_size_reduction"] == .number(40))
            let completed = try await client.request(.get, "/optimization/sessions?status=completed", as: "vic").json()
            #expect(completed["total"] == .number(1))
            #expect(completed["sessions"].flatMap(Self.first)?["session_id"] == .string(done.id))

            // A change of an existing session (not only a new one) shows as well.
            let running = try await makeSession(elsewhere, owner: "eve", status: .running)
            #expect(try await client.request(.get, "/dashboard/stats", as: "vic").json()["active_optimizations"] == .number(1))
            try await elsewhere.sessions.apply(.cancel(reason: "stopped elsewhere"), to: running.id)
            #expect(try await client.request(.get, "/dashboard/stats", as: "vic").json()["active_optimizations"] == .number(0))
            let cancelled = try await client.request(.get, "/optimization/sessions?limit=1", as: "vic").json()
            #expect(cancelled["sessions"].flatMap(Self.first)?["status"] == .string("cancelled"))

            // Writes by the server's own connection count too.
            _ = try await makeSession(platform, owner: "eve", status: .failed)
            #expect(try await client.request(.get, "/dashboard/stats", as: "vic").json()["failed_optimizations"] == .number(1))
            #expect(try await client.request(.get, "/optimization/sessions?status=failed", as: "vic").json()["total"] == .number(1))
        }
    }

    @Test func aNewModelCountsAtTheNextStatsRequest() async throws {
        let (platform, elsewhere) = try Self.fileBackedPlatforms()
        try await Fixture(platform: platform).test { client in
            #expect(try await client.request(.get, "/dashboard/stats", as: "vic").json()["total_models"] == .number(0))
            _ = try await registerModel(elsewhere, name: "policy")
            #expect(try await client.request(.get, "/dashboard/stats", as: "vic").json()["total_models"] == .number(1))
        }
    }

    /// The same URL lists different sessions for different engineers: a cached page is one
    /// caller's view only.
    @Test func engineersAskingTheSameURLSeeOnlyTheirOwnSessions() async throws {
        let (platform, _) = try Self.fileBackedPlatforms()
        let eves = try await makeSession(platform, owner: "eve", status: .completed)
        let eds = try await makeSession(platform, owner: "ed", status: .completed)
        try await Fixture(platform: platform).test { client in
            for _ in 0..<2 {
                let asEve = try await client.request(.get, "/optimization/sessions?status=completed", as: "eve").json()
                #expect(asEve["total"] == .number(1))
                #expect(asEve["sessions"].flatMap(Self.first)?["session_id"] == .string(eves.id))
                let asEd = try await client.request(.get, "/optimization/sessions?status=completed", as: "ed").json()
                #expect(asEd["total"] == .number(1))
                #expect(asEd["sessions"].flatMap(Self.first)?["session_id"] == .string(eds.id))
                #expect(try await client.request(.get, "/optimization/sessions?status=completed", as: "vic").json()["total"] == .number(2))
            }
        }
    }

    /// The body served from the cache is the one a fresh read gives: the same bytes as the
    /// encoder every other response uses.
    @Test func cachedBodiesAreTheFreshBodies() async throws {
        let (platform, _) = try Self.fileBackedPlatforms()
        for status in [SessionStatus.completed, .failed, .running, .pending, .cancelled] {
            _ = try await makeSession(platform, owner: "eve", status: status)
        }
        let expected = try await platform.sessions.list(SessionFilter(limit: "3"))
        try await Fixture(platform: platform).test { client in
            for _ in 0..<2 {
                let reply = try await client.request(.get, "/optimization/sessions?limit=3", as: "vic")
                #expect(reply.body == String(decoding: try JSONCoding.encoder().encode(expected), as: UTF8.self))
                #expect(reply.headers[.contentType] == "application/json; charset=utf-8")
            }
        }
    }
}
