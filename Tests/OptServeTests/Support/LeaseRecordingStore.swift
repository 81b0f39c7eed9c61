import Foundation
import OptKit
import Synchronization

/// A SQLite session store that also records every lease renewal (holder and session ids), so a
/// test can see which sessions a server keeps leased.
struct LeaseRecordingStore: SessionStore {
    let inner: SQLiteSessionStore
    let renewals: Renewals

    final class Renewals: Sendable {
        private let calls = Mutex<[(holder: LeaseHolder, ids: [String])]>([])
        func record(_ holder: LeaseHolder, _ ids: [String]) { calls.withLock { $0.append((holder, ids)) } }
        /// How many renewals by `holder` included `id`.
        func count(of id: String, by holder: LeaseHolder) -> Int {
            calls.withLock { $0.filter { $0.holder == holder && $0.ids.contains(id) }.count }
        }
    }

    /// A platform over an in-memory database whose session store records renewals.
    static func platform() throws -> (Platform, Renewals) {
        let database = try AppDatabase.inMemory()
        let renewals = Renewals()
        let home = FileManager.default.temporaryDirectory.appendingPathComponent("optserve-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: home, withIntermediateDirectories: true)
        let platform = Platform(
            configuration: PlatformConfiguration(home: home, user: "tester"), database: database,
            sessions: LeaseRecordingStore(inner: SQLiteSessionStore(database: database), renewals: renewals),
            models: SQLiteModelStore(database: database), criteria: SQLiteCriteriaStore(database: database),
            users: SQLiteUserStore(database: database))
        return (platform, renewals)
    }

    func create(_ new: NewSession) async throws -> Session { try await inner.create(new) }
    func session(id: String) async throws -> Session { try await inner.session(id: id) }
    func list(_ filter: SessionFilter) async throws -> SessionPage { try await inner.list(filter) }
    func apply(_ change: SessionChange, to id: String) async throws -> Session { try await inner.apply(change, to: id) }
    func statistics() async throws -> SessionStatistics { try await inner.statistics() }
    func renewLease(holder: LeaseHolder, sessions: [String], until: Date) async throws -> Set<String> {
        renewals.record(holder, sessions)
        return try await inner.renewLease(holder: holder, sessions: sessions, until: until)
    }
    func recoverAbandoned(now: Date) async throws -> [Session] { try await inner.recoverAbandoned(now: now) }
}
