import Foundation
import OptKit
import Synchronization

/// Answers the dashboard's repeated reads (stats, pages of the session list) from memory while
/// the store is unchanged, so a busy dashboard does not cost a database read and a JSON
/// encoding per request.
///
/// Every request first reads the database's `data_version` (`SQLiteDataVersion`, one pragma on
/// a held connection). While it equals the value an answer was computed under, nothing has
/// committed to the file since — not this server, not an `optctl run` in another process — so
/// the answer is exactly what a fresh read would return. Any other value drops every answer.
/// The version is read before the data, so an answer is never filed under a version newer than
/// the data it came from: a commit in between costs one more read, never a stale answer.
///
/// A store without a database file (the tests' in-memory one) has no version to check, and
/// then nothing is cached. Failed reads and partial stats (with warnings) are never cached.
final class StoreReadCache: Sendable {
    private struct State {
        var version: Int64?
        var stats: DashboardStats?
        var pages: [SessionFilter: [UInt8]] = [:]
    }

    /// Pages kept for one version: each is about 30 KB at 50 sessions, and the filters come from
    /// clients, so the count is bounded.
    static let pageCapacity = 256

    private let version: SQLiteDataVersion?
    private let state = Mutex(State())

    init(version: SQLiteDataVersion?) {
        self.version = version
    }

    /// Watches the platform's database file; no caching without one.
    convenience init(database: AppDatabase) throws {
        let path = database.writer.path
        self.init(version: FileManager.default.fileExists(atPath: path) ? try SQLiteDataVersion(path: path) : nil)
    }

    /// The dashboard stats: the figures from `compute` or from the last computation if the store
    /// has not changed since; `last_updated` is now either way, because the figures are
    /// current now.
    func stats(_ compute: () async -> DashboardStats) async -> DashboardStats {
        let version = currentVersion()
        if var cached = lookup(version, \.stats) {
            cached.lastUpdated = Timestamp.now()
            return cached
        }
        let stats = await compute()
        if stats.warnings == nil { store(version) { $0.stats = stats } }
        return stats
    }

    /// A page of the session list as a response body, read by `compute` unless the same filter
    /// was answered since the last change.
    func page(_ filter: SessionFilter, _ compute: () async throws -> [UInt8]) async throws -> [UInt8] {
        let version = currentVersion()
        if let cached = lookup(version, { $0.pages[filter] }) { return cached }
        let body = try await compute()
        store(version) { state in
            if state.pages.count >= Self.pageCapacity { state.pages.removeAll(keepingCapacity: true) }
            state.pages[filter] = body
        }
        return body
    }

    /// nil when there is no file to watch or the pragma failed: then this request neither uses
    /// nor fills the cache.
    private func currentVersion() -> Int64? {
        try? version?.current()
    }

    private func lookup<T>(_ version: Int64?, _ read: (State) -> T?) -> T? {
        guard let version else { return nil }
        return state.withLock { $0.version == version ? read($0) : nil }
    }

    private func store(_ version: Int64?, _ write: (inout State) -> Void) {
        guard let version else { return }
        state.withLock { state in
            if state.version != version {
                // data_version only grows: an answer read before a newer one was filed is
                // already outdated and must not replace the newer answers.
                if let current = state.version, current > version { return }
                state = State(version: version)
            }
            write(&state)
        }
    }
}
