import Logging
import OptKit
import ServiceLifecycle

/// Fails, as interrupted, the sessions whose process died while the server runs (an
/// `optctl run` killed with SIGKILL, a server on another host that crashed), once their lease
/// has expired: every optctl command does this when it opens the store, and a long-running
/// server does it every `interval` so such sessions do not stay "running" on the dashboard.
struct AbandonedSessionSweeper: Service {
    let platform: Platform
    let interval: Duration
    let logger: Logger

    init(platform: Platform, interval: Duration = .seconds(LeaseHolder.duration), logger: Logger) {
        self.platform = platform
        self.interval = interval
        self.logger = logger
    }

    func run() async throws {
        // The first sweep is `optctl serve`'s own, at start; these follow the clock until the
        // server stops (a graceful shutdown ends the wait at once).
        while true {
            do {
                try await cancelWhenGracefulShutdown { [interval] in try await Task.sleep(for: interval) }
            } catch {
                return
            }
            await platform.recoverAbandonedSessions(logger: logger)
        }
    }
}
