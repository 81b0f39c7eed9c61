import Foundation
import GRDB
import Logging

/// The SQLite database behind the embedded stores: one file, WAL mode, migrated on open.
///
/// Several processes may use the same file at once (`optctl serve` and an `optctl run`):
/// writes are IMMEDIATE transactions (GRDB's default for writers) and wait up to
/// `busyTimeout` for another process's write to finish.
public struct AppDatabase: Sendable {
    public let writer: any DatabaseWriter
    static let busyTimeout: TimeInterval = 5

    /// Wraps an opened database and brings its schema up to date, logging any upgrade.
    public init(_ writer: any DatabaseWriter, logger: Logger = Logger(label: "optctl.storage")) throws {
        self.writer = writer
        let before = try writer.read { try Self.migrator.appliedIdentifiers($0) }
        try Self.migrator.migrate(writer)
        let applied = Self.migrator.migrations.filter { !before.contains($0) }
        if !before.isEmpty, !applied.isEmpty {
            logger.notice("upgraded the database schema", metadata: ["migrations": .string(applied.joined(separator: ", "))])
        }
    }

    /// Opens (creating if needed) the database file at `path`.
    ///
    /// Refuses, without writing to it, a file that is not an SQLite database or whose schema
    /// was written by a newer optctl.
    public static func open(path: String, logger: Logger = Logger(label: "optctl.storage")) throws -> AppDatabase {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue {
            throw StoreFailure(message: "\(path) is a directory, expected the optctl database file")
        }
        try checkHeader(path: path)
        var configuration = Configuration()
        configuration.busyMode = .timeout(busyTimeout)
        configuration.prepareDatabase { db in
            try db.execute(sql: "PRAGMA foreign_keys = ON")
        }
        let pool: DatabasePool
        do {
            pool = try DatabasePool(path: path, configuration: configuration)
        } catch {
            throw StoreFailure(message: "cannot open the database \(path): \(describe(error))")
        }
        do {
            if try pool.read({ try migrator.hasBeenSuperseded($0) }) {
                throw StoreFailure(message: "\(path) was written by a newer optctl; upgrade optctl to use it")
            }
            // GRDB reads the applied migrations before running the missing ones, so two
            // processes opening a new file at once would both run them; a lock file serialises
            // them across processes.
            return try withFileLock(path + ".migration-lock") { try AppDatabase(pool, logger: logger) }
        } catch let failure as StoreFailure {
            throw failure
        } catch {
            throw StoreFailure(message: "cannot prepare the database \(path): \(describe(error))")
        }
    }

    /// An in-memory database for tests.
    public static func inMemory() throws -> AppDatabase {
        try AppDatabase(DatabaseQueue())
    }

    /// Runs `body` holding an exclusive flock(2) on `lockPath` (created if missing).
    private static func withFileLock<T>(_ lockPath: String, _ body: () throws -> T) throws -> T {
        let descriptor = Foundation.open(lockPath, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else {
            throw StoreFailure(message: "cannot create \(lockPath): \(String(cString: strerror(errno)))")
        }
        defer { close(descriptor) }
        while flock(descriptor, LOCK_EX) != 0 {
            guard errno == EINTR else { throw StoreFailure(message: "cannot lock \(lockPath): \(String(cString: strerror(errno)))") }
        }
        defer { flock(descriptor, LOCK_UN) }
        return try body()
    }

    /// A non-empty file must start with SQLite's magic header. Checking before SQLite opens it
    /// guarantees a stray file (a model, a JSON document) is never turned into a database.
    private static func checkHeader(path: String) throws {
        guard let handle = FileHandle(forReadingAtPath: path) else { return }
        defer { try? handle.close() }
        let header = (try? handle.read(upToCount: 16)) ?? Data()
        if !header.isEmpty, header != Data("SQLite format 3\0".utf8) {
            throw StoreFailure(message: "\(path) is not an optctl database (not an SQLite file); move it away or choose another --home")
        }
    }

    static func describe(_ error: any Error) -> String {
        if let error = error as? DatabaseError {
            return error.message ?? "\(error.resultCode)"
        }
        return error.localizedDescription
    }
}

/// The store cannot be opened or used: a corrupt file, a newer schema, a disk error.
public struct StoreFailure: UserFacingError, Equatable {
    public let message: String

    public init(message: String) {
        self.message = message
    }

    public var kind: ErrorKind { .io }
}
