import Foundation
import OptKit
import Prometheus
import Synchronization

/// The server's Prometheus metrics (swift-prometheus), one registry per application so that
/// tests building several applications do not share counters.
///
/// - `optctl_http_requests_total{method,route,status}` and
///   `optctl_http_request_duration_seconds{method,route,status}`: `route` is the route
///   template (`/optimization/sessions/{id}`), never the raw path, so ids cannot blow up the
///   label set; unmatched paths count under `NotFound`.
/// - `optctl_sessions{status}`: sessions in the store by status, read from the counters at
///   scrape time.
/// - `optctl_websocket_clients`: authenticated real-time (Socket.IO) clients, read from the
///   channel at scrape time.
/// - `optctl_session_queue_pending` / `optctl_session_workers_busy`: the run queue.
public final class ServerMetrics: Sendable {
    public let registry = PrometheusCollectorRegistry()
    /// Connected real-time (Socket.IO) clients, over WebSocket or long-polling: set from the
    /// channel's count at every scrape.
    public let webSocketClients: Gauge
    let queuePending: Gauge
    let workersBusy: Gauge
    private let sessionGauges: [SessionStatus: Gauge]
    private let requestMetrics = Mutex<[RequestKey: (Counter, DurationHistogram)]>([:])

    private struct RequestKey: Hashable {
        let method: String
        let route: String
        let status: Int
    }

    static let buckets: [Duration] = [
        .microseconds(500), .milliseconds(1), .milliseconds(2.5), .milliseconds(5), .milliseconds(10),
        .milliseconds(25), .milliseconds(50), .milliseconds(100), .milliseconds(250), .milliseconds(500),
        .seconds(1), .seconds(2.5), .seconds(5), .seconds(10),
    ]

    public init() {
        webSocketClients = registry.makeGauge(descriptor: MetricNameDescriptor(
            namespace: "optctl", metricName: "websocket", unitName: "clients", helpText: "Connected real-time (Socket.IO) clients."))
        queuePending = registry.makeGauge(descriptor: MetricNameDescriptor(
            namespace: "optctl", subsystem: "session_queue", metricName: "pending", unitName: "",
            helpText: "Sessions accepted by this server and waiting for a worker."))
        workersBusy = registry.makeGauge(descriptor: MetricNameDescriptor(
            namespace: "optctl", subsystem: "session", metricName: "workers", unitName: "busy",
            helpText: "Workers of this server running a session."))
        var gauges: [SessionStatus: Gauge] = [:]
        for status in SessionStatus.allCases {
            gauges[status] = registry.makeGauge(
                descriptor: MetricNameDescriptor(
                    namespace: "optctl", metricName: "sessions", unitName: "",
                    helpText: "Sessions in the store, by status (all processes)."),
                labels: [("status", status.rawValue)])
        }
        sessionGauges = gauges
    }

    /// Counts one answered request and its duration.
    func record(method: String, route: String, status: Int, duration: Duration) {
        let key = RequestKey(method: method, route: route, status: status)
        let (counter, histogram) = requestMetrics.withLock { metrics in
            if let existing = metrics[key] { return existing }
            let labels = [("method", method), ("route", route), ("status", String(status))]
            let pair = (
                registry.makeCounter(
                    descriptor: MetricNameDescriptor(
                        namespace: "optctl", subsystem: "http", metricName: "requests", unitName: "total",
                        helpText: "HTTP requests answered, by method, route template and status."),
                    labels: labels),
                registry.makeDurationHistogram(
                    descriptor: MetricNameDescriptor(
                        namespace: "optctl", subsystem: "http", metricName: "request_duration", unitName: "seconds",
                        helpText: "Time from receiving a request to returning its response head."),
                    labels: labels, buckets: Self.buckets)
            )
            metrics[key] = pair
            return pair
        }
        counter.increment()
        histogram.record(duration)
    }

    /// Sets the session gauges from the store's counters.
    func update(sessions statistics: SessionStatistics) {
        for status in SessionStatus.allCases {
            sessionGauges[status]?.set(Double(statistics.count(status)))
        }
    }

    /// The Prometheus text exposition of every metric.
    func exposition() -> [UInt8] {
        registry.emitToBuffer()
    }
}
