import Foundation
import GRDB

/// The criteria in the SQLite database: one row holding the JSON document and its version.
public struct SQLiteCriteriaStore: CriteriaStore {
    let database: AppDatabase

    public init(database: AppDatabase) {
        self.database = database
    }

    public func current() async throws -> StoredCriteria {
        try await database.writer.read { db in try Self.fetch(db) } ?? Self.initial(at: Timestamp.now())
    }

    public func replace(with criteria: OptimizationCriteria, expectedVersion: Int?) async throws -> StoredCriteria {
        try await database.writer.write { db in
            let now = Timestamp.now()
            let current = try Self.fetch(db) ?? Self.initial(at: now)
            if let expectedVersion, expectedVersion != current.version {
                throw StaleVersion(expected: expectedVersion, current: current.version)
            }
            let stored = StoredCriteria(
                criteria: criteria, version: current.version + 1, createdAt: current.createdAt,
                updatedAt: max(now, current.updatedAt))
            try db.execute(
                sql: """
                    INSERT INTO criteria (id, document, version, created_at, updated_at) VALUES (1, ?, ?, ?, ?)
                    ON CONFLICT (id) DO UPDATE SET document = excluded.document, version = excluded.version,
                        updated_at = excluded.updated_at
                    """,
                arguments: [
                    JSONCoding.string(criteria), stored.version, Timestamp.milliseconds(stored.createdAt),
                    Timestamp.milliseconds(stored.updatedAt),
                ])
            return stored
        }
    }

    /// The defaults at version 1. The first migration stores them, so this is only a fallback
    /// for a row deleted by hand.
    static func initial(at date: Date) -> StoredCriteria {
        StoredCriteria(criteria: .defaults, version: 1, createdAt: date, updatedAt: date)
    }

    static func fetch(_ db: Database) throws -> StoredCriteria? {
        guard let row = try Row.fetchOne(db, sql: "SELECT * FROM criteria WHERE id = 1") else { return nil }
        let document: String = row["document"]
        let criteria = try JSONCoding.decoder().decode(OptimizationCriteria.self, from: Data(document.utf8))
        return StoredCriteria(
            criteria: criteria, version: row["version"],
            createdAt: Timestamp.date(milliseconds: row["created_at"]),
            updatedAt: Timestamp.date(milliseconds: row["updated_at"]))
    }
}
