import Foundation
import OptKit
import Synchronization

/// A platform whose session store can be made to fail, as a broken disk would.
final class FailingStores: Sendable {
    let platform: Platform
    private let flag = Flag()

    final class Flag: Sendable {
        private let value = Mutex(false)
        var isOn: Bool { value.withLock { $0 } }
        func set(_ on: Bool) { value.withLock { $0 = on } }
    }

    init() throws {
        let database = try AppDatabase.inMemory()
        let flag = self.flag
        let sessions = FailingSessionStore(inner: SQLiteSessionStore(database: database), fail: { flag.isOn })
        platform = Platform(
            configuration: PlatformConfiguration(
                home: FileManager.default.temporaryDirectory.appendingPathComponent("optserve-\(UUID().uuidString)"), user: "tester"), database: database,
            sessions: sessions, models: SQLiteModelStore(database: database), criteria: SQLiteCriteriaStore(database: database),
            users: SQLiteUserStore(database: database))
    }

    func failSessions(_ on: Bool) {
        flag.set(on)
    }
}

struct FailingSessionStore: SessionStore {
    let inner: any SessionStore
    let fail: @Sendable () -> Bool

    private func check() throws {
        if fail() { throw StoreFailure(message: "disk I/O error reading /var/lib/optctl/sessions") }
    }

    func create(_ new: NewSession) async throws -> Session { try check(); return try await inner.create(new) }
    func session(id: String) async throws -> Session { try check(); return try await inner.session(id: id) }
    func list(_ filter: SessionFilter) async throws -> SessionPage { try check(); return try await inner.list(filter) }
    func apply(_ change: SessionChange, to id: String) async throws -> Session { try check(); return try await inner.apply(change, to: id) }
    func statistics() async throws -> SessionStatistics { try check(); return try await inner.statistics() }
    func renewLease(holder: LeaseHolder, sessions: [String], until: Date) async throws -> Set<String> {
        try check()
        return try await inner.renewLease(holder: holder, sessions: sessions, until: until)
    }
    func recoverAbandoned(now: Date) async throws -> [Session] { try check(); return try await inner.recoverAbandoned(now: now) }
}
