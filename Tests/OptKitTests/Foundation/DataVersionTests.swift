import Foundation
import OptKit
import Testing

/// `SQLiteDataVersion` is what lets the server keep answers while the store is unchanged: it
/// must change after every commit by anyone, and only then.
@Suite struct DataVersionTests {
    @Test func changesAfterACommitByAnyConnectionAndOnlyThen() async throws {
        let directory = try TemporaryDirectory()
        let server = try makePlatform(in: directory)
        let cli = try makePlatform(in: directory)  // its own connections, as another process has
        let version = try SQLiteDataVersion(path: directory.path("home/optctl.sqlite"))

        let start = try version.current()
        _ = try await server.sessions.list(SessionFilter())  // reads change nothing
        #expect(try version.current() == start)

        let session = try await seedSession(cli.sessions, status: .pending)
        let afterOtherConnection = try version.current()
        #expect(afterOtherConnection != start)
        #expect(try version.current() == afterOtherConnection)

        try await server.sessions.apply(.start, to: session.id)
        let afterServer = try version.current()
        #expect(afterServer != afterOtherConnection)

        // A statement-level write outside the stores (as sqlite3 in a shell would do) counts too.
        try await cli.database.writer.write { db in
            try db.execute(sql: "UPDATE sessions SET current_step = 'edited by hand' WHERE id = ?", arguments: [session.id])
        }
        #expect(try version.current() != afterServer)
    }
}
