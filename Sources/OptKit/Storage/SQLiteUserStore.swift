import Foundation
import GRDB

/// Users in the SQLite database (migration v5-users).
public struct SQLiteUserStore: UserStore {
    let database: AppDatabase

    public init(database: AppDatabase) {
        self.database = database
    }

    public func add(_ user: UserAccount) async throws {
        try await database.writer.write { db in
            if try Self.fetch(name: user.name, db) != nil { throw UserExists(name: user.name) }
            try db.execute(
                sql: "INSERT INTO users (name, role, password_hash, created_at) VALUES (?, ?, ?, ?)",
                arguments: [user.name, user.role.rawValue, user.passwordHash, Timestamp.milliseconds(user.createdAt)])
        }
    }

    public func user(named name: String) async throws -> UserAccount? {
        try await database.writer.read { db in try Self.fetch(name: name, db) }
    }

    public func list() async throws -> [UserAccount] {
        try await database.writer.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM users ORDER BY name").compactMap(Self.account(from:))
        }
    }

    public func remove(named name: String) async throws {
        try await database.writer.write { db in
            try db.execute(sql: "DELETE FROM users WHERE name = ?", arguments: [name])
            if db.changesCount == 0 { throw NotFound(entity: "user", id: name) }
        }
    }

    public func count() async throws -> Int {
        try await database.writer.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM users") ?? 0 }
    }

    static func fetch(name: String, _ db: Database) throws -> UserAccount? {
        try Row.fetchOne(db, sql: "SELECT * FROM users WHERE name = ?", arguments: [name]).flatMap(account(from:))
    }

    /// A row whose role is not one this optctl knows (written by a newer one) is skipped
    /// rather than given a role it was not meant to have.
    static func account(from row: Row) -> UserAccount? {
        guard let role = UserRole(rawValue: row["role"]) else { return nil }
        return UserAccount(
            name: row["name"], role: role, passwordHash: row["password_hash"],
            createdAt: Timestamp.date(milliseconds: row["created_at"]))
    }
}
