import Foundation
import Logging

/// Renews the lease of a running session every `LeaseHolder.renewInterval` so no other process
/// takes it for abandoned, and relays a cancel mark set by another process (a server's cancel
/// endpoint) to the run's cancellation.
enum LeaseKeeper {
    static func start(
        sessionID: String, store: any SessionStore, holder: LeaseHolder, cancellation: RunCancellation, logger: Logger
    ) -> Task<Void, Never> {
        Task {
            while !Task.isCancelled {
                do {
                    let marked = try await store.renewLease(
                        holder: holder, sessions: [sessionID], until: Date().addingTimeInterval(LeaseHolder.duration))
                    if marked.contains(sessionID) {
                        cancellation.cancel(reason: "cancelled at the request of another client")
                    }
                } catch {
                    // A missed renewal is retried at the next beat; the lease outlives several.
                    logger.warning("could not renew the lease of session \(sessionID): \(error)")
                }
                try? await Task.sleep(for: .seconds(LeaseHolder.renewInterval))
            }
        }
    }
}
