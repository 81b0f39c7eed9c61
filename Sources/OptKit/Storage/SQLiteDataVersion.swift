import GRDB

/// SQLite's `PRAGMA data_version`, read on a read-only connection of its own: the value
/// changes whenever any other connection, in this process or another (an `optctl run`, a
/// second server), commits to the file. Reading it costs one pragma on a held connection and
/// no query, so a server can check it on every request and keep answers computed from an
/// unchanged database. Values are only comparable with other values from the same instance.
public final class SQLiteDataVersion: Sendable {
    private let connection: DatabaseQueue

    public init(path: String) throws {
        var configuration = Configuration()
        configuration.readonly = true
        configuration.busyMode = .timeout(AppDatabase.busyTimeout)
        connection = try DatabaseQueue(path: path, configuration: configuration)
    }

    /// The version now; a different value than an earlier one means some commit happened since.
    public func current() throws -> Int64 {
        try connection.inDatabase { db in
            try Int64.fetchOne(db.cachedStatement(sql: "PRAGMA data_version")) ?? 0
        }
    }
}
