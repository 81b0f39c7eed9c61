import Foundation
import OptKit
import Synchronization

/// The users' current roles, read from the store at most every `maxAge` seconds. Access
/// tokens are checked against it, so removing a user (or changing a role) takes effect within
/// seconds for tokens already issued, without a database read on every request.
final class UserDirectory: Sendable {
    private struct State {
        var roles: [String: UserRole] = [:]
        var loadedAt: Double = -Double.infinity
        var loading = false
    }

    private let store: any UserStore
    private let maxAge: Double
    private let state = Mutex(State())

    init(store: any UserStore, maxAge: Double = 2) {
        self.store = store
        self.maxAge = maxAge
    }

    /// The user's current role, nil when the user does not exist (any more).
    func role(of name: String) async throws -> UserRole? {
        let now = RateLimiter.monotonicSeconds()
        let snapshot = state.withLock { state -> [String: UserRole]? in
            if now - state.loadedAt < maxAge { return state.roles }
            // Another request is refreshing: the previous snapshot is good enough meanwhile.
            if state.loading, state.loadedAt > -Double.infinity { return state.roles }
            state.loading = true
            return nil
        }
        if let snapshot { return snapshot[name] }
        return try await reload(now: now)[name]
    }

    private func reload(now: Double) async throws -> [String: UserRole] {
        do {
            let users = try await TransientRetry.run { try await store.list() }
            let roles = Dictionary(users.map { ($0.name, $0.role) }, uniquingKeysWith: { first, _ in first })
            state.withLock { state in
                state.roles = roles
                state.loadedAt = now
                state.loading = false
            }
            return roles
        } catch {
            state.withLock { $0.loading = false }
            throw error
        }
    }
}
