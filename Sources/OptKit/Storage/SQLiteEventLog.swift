import Foundation
import GRDB

/// The events table (migration v2) read as an `EventLog`.
public struct SQLiteEventLog: EventLog {
    let database: AppDatabase

    public init(database: AppDatabase) {
        self.database = database
    }

    public func events(after sequence: Int64, limit: Int) async throws -> [StoredEvent] {
        try await database.writer.read { db in
            try Self.decode(Row.fetchAll(
                db, sql: "SELECT * FROM events WHERE seq > ? ORDER BY seq LIMIT ?", arguments: [sequence, limit]))
        }
    }

    public func events(session id: String) async throws -> [StoredEvent] {
        try await database.writer.read { db in
            try Self.decode(Row.fetchAll(db, sql: "SELECT * FROM events WHERE session_id = ? ORDER BY seq", arguments: [id]))
        }
    }

    public func lastSequence() async throws -> Int64 {
        try await database.writer.read { db in
            try Int64.fetchOne(db, sql: "SELECT coalesce(max(seq), 0) FROM events") ?? 0
        }
    }

    public func compactProgress(before cutoff: Date) async throws -> Int {
        try await database.writer.write { db in
            try db.execute(
                sql: "DELETE FROM events WHERE name = 'session_progress' AND created_at < ?",
                arguments: [Timestamp.milliseconds(cutoff)])
            return db.changesCount
        }
    }

    static func decode(_ rows: [Row]) throws -> [StoredEvent] {
        try rows.map { row in
            let payload: String = row["payload"]
            return StoredEvent(
                sequence: row["seq"], event: try SessionEvent.decode(name: row["name"], payload: Data(payload.utf8)),
                recordedAt: Timestamp.date(milliseconds: row["created_at"]))
        }
    }
}
