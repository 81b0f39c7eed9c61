import GRDB
import Synchronization

/// SQLite's `PRAGMA data_version` on a connection of its own: its value changes when any other
/// connection, in this process or another, commits to the file. A poll that finds it unchanged
/// costs one pragma and no query.
public final class SQLiteChangeDetector: ChangeDetector {
    private let connection: DatabaseQueue
    private let lastVersion = Mutex<Int64?>(nil)

    public init(path: String) throws {
        var configuration = Configuration()
        configuration.readonly = true
        configuration.busyMode = .timeout(AppDatabase.busyTimeout)
        connection = try DatabaseQueue(path: path, configuration: configuration)
    }

    public func hasChanged() async throws -> Bool {
        let version = try await connection.read { db in
            try Int64.fetchOne(db, sql: "PRAGMA data_version") ?? 0
        }
        return lastVersion.withLock { last in
            defer { last = version }
            return last != version
        }
    }
}


