import Foundation
import Logging
import OptKit
import Synchronization

/// contracts.md: alert = {level, code, message, timestamp}.
public struct RealtimeAlert: Equatable, Sendable {
    public enum Level: String, Sendable {
        case info, warning, critical
    }

    public var level: Level
    /// `failure_rate_spike`, `queue_saturated`, `queue_recovered`, `database_unavailable`,
    /// `database_recovered`.
    public var code: String
    public var message: String
    public var timestamp: Date

    var json: String {
        "{\"code\":\(JSONText.quoted(code)),\"level\":\"\(level.rawValue)\",\"message\":\(JSONText.quoted(message)),"
            + "\"timestamp\":\"\(Timestamp.format(timestamp))\"}"
    }
}

/// Watches the signals that deserve an alert and raises each once per episode: when the
/// failure rate spikes, when the run queue fills up, when the database stops answering (and
/// says so again when each recovers).
final class AlertMonitor: Sendable {
    private let window: Duration
    private let minimum: Int
    private let ratio: Double
    private let emit: @Sendable (RealtimeAlert) -> Void
    private let logger: Logger
    private let state = Mutex(State())

    private struct State {
        /// Terminal sessions in the window: when, and whether it failed.
        var outcomes: [(at: ContinuousClock.Instant, failed: Bool)] = []
        var failureSpike = false
        var queueSaturated = false
        var databaseDown = false
    }

    init(window: Duration, minimum: Int, ratio: Double, logger: Logger, emit: @escaping @Sendable (RealtimeAlert) -> Void) {
        self.window = window
        self.minimum = max(1, minimum)
        self.ratio = ratio
        self.logger = logger
        self.emit = emit
    }

    /// A session reached a terminal status. Raises `failure_rate_spike` when at least
    /// `minimum` sessions ended in the window and the failed share reaches `ratio`; the alert
    /// re-arms once the share falls below half of it.
    func sessionEnded(failed: Bool, now: ContinuousClock.Instant = .now) {
        let alert = state.withLock { s -> RealtimeAlert? in
            s.outcomes.removeAll { now - $0.at > window }
            s.outcomes.append((now, failed))
            let failures = s.outcomes.count { $0.failed }
            let share = Double(failures) / Double(s.outcomes.count)
            if !s.failureSpike, s.outcomes.count >= minimum, share >= ratio {
                s.failureSpike = true
                let minutes = Double(EngineConfiguration.milliseconds(window)) / 60_000
                return RealtimeAlert(
                    level: .warning, code: "failure_rate_spike",
                    message: "\(failures) of the last \(s.outcomes.count) sessions failed in the past \(Self.format(minutes)) minutes",
                    timestamp: Timestamp.now())
            }
            if s.failureSpike, share < ratio / 2 { s.failureSpike = false }
            return nil
        }
        if let alert { raise(alert) }
    }

    /// The run queue's load (the server's SessionQueue reports it whenever it changes). It is
    /// saturated when every worker is busy and `limit` sessions wait: a new session is refused
    /// then. Raises `queue_saturated` when that starts, `queue_recovered` when it ends.
    func runQueue(waiting: Int, running: Int, workers: Int, limit: Int) {
        let saturated = running >= workers && waiting >= limit
        let alert = state.withLock { s -> RealtimeAlert? in
            if !s.queueSaturated, saturated {
                s.queueSaturated = true
                return RealtimeAlert(
                    level: .warning, code: "queue_saturated",
                    message: "the run queue is full: \(running) of \(workers) workers busy and \(waiting) sessions waiting (limit \(limit)); new sessions are refused",
                    timestamp: Timestamp.now())
            }
            if s.queueSaturated, !saturated {
                s.queueSaturated = false
                return RealtimeAlert(
                    level: .info, code: "queue_recovered",
                    message: "the run queue has room again: \(waiting) sessions waiting (limit \(limit))", timestamp: Timestamp.now())
            }
            return nil
        }
        if let alert { raise(alert) }
    }

    /// Whether the database answered the last time it was asked.
    func database(available: Bool, detail: String? = nil) {
        let alert = state.withLock { s -> RealtimeAlert? in
            if available, s.databaseDown {
                s.databaseDown = false
                return RealtimeAlert(
                    level: .info, code: "database_recovered", message: "the database is available again",
                    timestamp: Timestamp.now())
            }
            if !available, !s.databaseDown {
                s.databaseDown = true
                return RealtimeAlert(
                    level: .critical, code: "database_unavailable",
                    message: "the database is unavailable; live updates are paused until it answers again",
                    timestamp: Timestamp.now())
            }
            return nil
        }
        if let alert {
            if let detail, !available {
                logger.error("database unavailable", metadata: ["error": .string(detail)])
            }
            raise(alert)
        }
    }

    private func raise(_ alert: RealtimeAlert) {
        logger.notice("alert", metadata: ["code": .string(alert.code), "level": .string(alert.level.rawValue), "message": .string(alert.message)])
        emit(alert)
    }

    private static func format(_ minutes: Double) -> String {
        minutes.rounded() == minutes ? String(Int(minutes)) : String(format: "%.1f", minutes)
    }
}
