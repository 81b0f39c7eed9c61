import Foundation
import GRDB

/// The model registry in the SQLite database; `sha256` is unique, which deduplicates.
public struct SQLiteModelStore: ModelStore {
    let database: AppDatabase

    public init(database: AppDatabase) {
        self.database = database
    }

    public func register(_ record: ModelRecord) async throws -> (record: ModelRecord, created: Bool) {
        try await database.writer.write { db in
            if let existing = try Self.fetchOne(db, "sha256 = ?", record.sha256) {
                return (existing, false)
            }
            try db.execute(
                sql: "INSERT INTO models (id, name, path, sha256, bytes, format, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                arguments: [
                    record.id, record.name, record.path, record.sha256, record.bytes, record.format,
                    Timestamp.milliseconds(record.createdAt),
                ])
            return (record, true)
        }
    }

    public func model(id: String) async throws -> ModelRecord {
        guard let record = try await database.writer.read({ db in try Self.fetchOne(db, "id = ?", id) }) else {
            throw NotFound(entity: "model", id: id)
        }
        return record
    }

    public func model(sha256: String) async throws -> ModelRecord? {
        try await database.writer.read { db in try Self.fetchOne(db, "sha256 = ?", sha256) }
    }

    public func list() async throws -> [ModelRecord] {
        try await database.writer.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM models ORDER BY created_at DESC, rowid DESC").map(Self.record(from:))
        }
    }

    public func count() async throws -> Int {
        try await database.writer.read { db in
            try Int.fetchOne(db, sql: "SELECT value FROM counters WHERE name = 'models'") ?? 0
        }
    }

    public func delete(id: String) async throws -> ModelRecord {
        try await database.writer.write { db in
            guard let record = try Self.fetchOne(db, "id = ?", id) else { throw NotFound(entity: "model", id: id) }
            let active = try Int.fetchOne(
                db, sql: "SELECT count(*) FROM sessions WHERE model_id = ? AND status IN ('pending', 'running')",
                arguments: [id]) ?? 0
            if active > 0 { throw ModelInUse(modelID: id, activeSessions: active) }
            try db.execute(sql: "DELETE FROM models WHERE id = ?", arguments: [id])
            return record
        }
    }

    static func fetchOne(_ db: Database, _ condition: String, _ value: String) throws -> ModelRecord? {
        try Row.fetchOne(db, sql: "SELECT * FROM models WHERE \(condition)", arguments: [value]).map(record(from:))
    }

    static func record(from row: Row) -> ModelRecord {
        ModelRecord(
            id: row["id"], name: row["name"], path: row["path"], sha256: row["sha256"], bytes: row["bytes"],
            format: row["format"], createdAt: Timestamp.date(milliseconds: row["created_at"]))
    }
}
