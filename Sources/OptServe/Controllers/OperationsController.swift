import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import OptKit

/// GET /health (liveness and a database check, public) and GET /metrics (Prometheus text;
/// public in dev, otherwise for admins or the configured metrics token).
struct OperationsController {
    let platform: Platform
    let settings: ServerSettings
    let metrics: ServerMetrics
    let started: ContinuousClock.Instant
    /// Connected real-time clients now, read at scrape time for `optctl_websocket_clients`.
    var realtimeClients: @Sendable () -> Int = { 0 }

    struct Health: Encodable {
        let status: String
        let database: String
        let version: String
        let uptimeSeconds: Double
        let timestamp: Date

        enum CodingKeys: String, CodingKey {
            case status, database, version, uptimeSeconds = "uptime_seconds", timestamp
        }
    }

    func addRoutes(to router: Router<AppRequestContext>) {
        router.get("/health", use: health)
        router.get("/metrics", use: scrape)
    }

    var uptimeSeconds: Double {
        let elapsed = ContinuousClock.now - started
        return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
    }

    @Sendable func health(_ request: Request, context: AppRequestContext) async throws -> Response {
        try QueryParameters.rejectAny(request)
        do {
            _ = try await platform.sessions.statistics()
        } catch {
            context.logger.error("health check: the database failed: \(error)", metadata: ["request_id": .string(context.requestID)])
            throw APIError.serviceUnavailable(
                "the database is not answering", details: .object(["database": .string("unavailable")]))
        }
        return try JSONResponse.make(Health(
            status: "ok", database: "ok", version: OptKitVersion.string, uptimeSeconds: (uptimeSeconds * 1000).rounded() / 1000,
            timestamp: Timestamp.now()))
    }

    @Sendable func scrape(_ request: Request, context: AppRequestContext) async throws -> Response {
        if !settings.metricsPublic && !context.metricsToken {
            _ = try AccessPolicy.require(.admin, context, to: "read /metrics")
        }
        try QueryParameters.rejectAny(request)
        if let statistics = try? await platform.sessions.statistics() {
            metrics.update(sessions: statistics)
        }
        metrics.webSocketClients.set(Double(realtimeClients()))
        let bytes = metrics.exposition()
        var buffer = ByteBufferAllocator().buffer(capacity: bytes.count)
        buffer.writeBytes(bytes)
        var headers = HTTPFields()
        headers[.contentType] = "text/plain; version=0.0.4; charset=utf-8"
        return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: buffer))
    }
}
