import Synchronization

/// SQLite's `PRAGMA data_version` on a connection of its own (`SQLiteDataVersion`): its value
/// changes when any other connection, in this process or another, commits to the file. A poll
/// that finds it unchanged costs one pragma and no query.
public final class SQLiteChangeDetector: ChangeDetector {
    private let version: SQLiteDataVersion
    private let lastVersion = Mutex<Int64?>(nil)

    public init(path: String) throws {
        version = try SQLiteDataVersion(path: path)
    }

    public func hasChanged() async throws -> Bool {
        let current = try version.current()
        return lastVersion.withLock { last in
            defer { last = current }
            return last != current
        }
    }
}
