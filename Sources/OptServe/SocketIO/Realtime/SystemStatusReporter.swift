import Foundation
import OptKit

/// contracts.md: system_status = {active_sessions, queued_sessions, connected_clients,
/// uptime_seconds, timestamp}. Counts come from the store's counters (no query per client).
final class SystemStatusReporter: Sendable {
    private let sessions: any SessionStore
    private let startedAt = ContinuousClock.now
    private let connectedClients: @Sendable () -> Int
    private let alerts: AlertMonitor

    init(sessions: any SessionStore, alerts: AlertMonitor, connectedClients: @escaping @Sendable () -> Int) {
        self.sessions = sessions
        self.alerts = alerts
        self.connectedClients = connectedClients
    }

    /// The payload as JSON text, or nil when the store cannot be read (an alert says so).
    func currentPayload() async -> String? {
        let statistics: SessionStatistics
        do {
            statistics = try await sessions.statistics()
            alerts.database(available: true)
        } catch {
            alerts.database(available: false, detail: "\(error)")
            return nil
        }
        let uptime = (ContinuousClock.now - startedAt).components.seconds
        return "{\"active_sessions\":\(statistics.count(.running)),\"connected_clients\":\(connectedClients()),"
            + "\"queued_sessions\":\(statistics.count(.pending)),\"timestamp\":\"\(Timestamp.format(Timestamp.now()))\","
            + "\"uptime_seconds\":\(uptime)}"
    }
}
