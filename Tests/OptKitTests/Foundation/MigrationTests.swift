import Foundation
import GRDB
import InMemoryLogging
import Logging
@testable import OptKit
import Testing

@Suite struct MigrationTests {
    /// A database written by the first schema (no events, no counters) is brought up to date on
    /// open, keeping its rows, and the dashboard counters are filled from them.
    @Test func aDatabaseFromTheFirstSchemaIsUpgradedInPlace() async throws {
        let directory = try TemporaryDirectory()
        let path = directory.path("old.sqlite")
        try writeFirstSchemaDatabase(at: path)

        let logs = InMemoryLogHandler()
        let database = try AppDatabase.open(path: path, logger: Logger(label: "test") { _ in logs })
        #expect(logs.entries.map(\.message.description) == ["upgraded the database schema"])
        #expect(logs.entries.first?.metadata["migrations"] == "v2-events-cancel-mark, v3-dashboard-counters, v4-session-leases, v5-users")
        let applied = try await database.writer.read { try AppDatabase.migrator.appliedIdentifiers($0) }
        #expect(applied == Set(AppDatabase.migrator.migrations))

        let platform = Platform(configuration: PlatformConfiguration(home: directory.url, user: "ana"), database: database)
        let stats = await platform.dashboardStats()
        #expect(stats.totalSessions == 4 && stats.completedOptimizations == 2 && stats.activeOptimizations == 1)
        #expect(stats.averageSizeReduction == 50)  // (40 + 60) / 2
        #expect(stats.totalModels == 1)
        let session = try await platform.sessions.session(id: "s3")
        #expect(session.status == .running && !session.cancelRequested)
        try await platform.sessions.apply(.cancel(reason: "upgrade test"), to: "s3")
        let events = try await database.writer.read { try Int.fetchOne($0, sql: "SELECT count(*) FROM events") }
        #expect(events == 1)
    }

    /// What the first released schema wrote: four sessions and a model, no events or counters.
    func writeFirstSchemaDatabase(at path: String) throws {
        let queue = try DatabaseQueue(path: path)
        try AppDatabase.migrator.migrate(queue, upTo: "v1-sessions-models-criteria")
        try queue.write { db in
            for (index, status) in ["completed", "completed", "failed", "running"].enumerated() {
                try db.execute(sql: """
                    INSERT INTO sessions (id, model_id, model_name, status, techniques, size_reduction_percent,
                        speed_improvement_percent, owner, created_at, updated_at)
                    VALUES (?, 'm', 'policy', ?, '["fp16"]', ?, ?, 'ana', ?, ?)
                    """, arguments: ["s\(index)", status, status == "completed" ? 40.0 + Double(index) * 20 : nil, 10.0, index, index])
            }
            try db.execute(sql: """
                INSERT INTO models (id, name, path, sha256, bytes, format, created_at)
                VALUES ('m', 'policy', '/models/p.onnx', 'abc', 10, 'onnx', 0)
                """)
        }
        #expect(try queue.read { try $0.tableExists("events") } == false)
        try queue.close()
    }

    @Test func aDatabaseFromANewerOptctlIsRefused() throws {
        let directory = try TemporaryDirectory()
        let path = directory.path("new.sqlite")
        do {
            let queue = try DatabaseQueue(path: path)
            try AppDatabase.migrator.migrate(queue)
            try queue.write { try $0.execute(sql: "INSERT INTO grdb_migrations (identifier) VALUES ('v99-from-the-future')") }
            try queue.close()
        }
        #expect {
            _ = try AppDatabase.open(path: path)
        } throws: { error in
            (error as? StoreFailure)?.message.contains("newer optctl") == true
        }
    }

    @Test func aFileThatIsNotADatabaseIsRefusedAndLeftAlone() throws {
        let directory = try TemporaryDirectory()
        let path = directory.path("optctl.sqlite")
        let content = Data("{\"this\": \"is json\"}".utf8)
        try content.write(to: URL(fileURLWithPath: path))
        #expect(throws: StoreFailure.self) { _ = try AppDatabase.open(path: path) }
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == content)
    }
}
