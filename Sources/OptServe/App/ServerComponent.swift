import Hummingbird
import HummingbirdCore
import Logging
import OptKit
import ServiceLifecycle

/// What the server shares with a component mounted beside the REST API (the Socket.IO channel):
/// the platform, the settings, token verification (a CONNECT carries the REST API's JWT) and
/// the metrics (the connected-clients gauge).
public struct ServerEnvironment: Sendable {
    public let platform: Platform
    public let settings: ServerSettings
    public let tokens: TokenService
    public let metrics: ServerMetrics
    public let logger: Logger
}

/// What a mounted component gives back: services to run beside the HTTP server (an event
/// follower) and, when it upgrades connections, the server builder to use instead of plain
/// HTTP/1.1 (`.http1WebSocketUpgrade(...)`).
public struct MountedComponent: Sendable {
    public var services: [any Service]
    public var server: HTTPServerBuilder?

    public init(services: [any Service] = [], server: HTTPServerBuilder? = nil) {
        self.services = services
        self.server = server
    }
}

/// A part of the server built elsewhere (under Sources/OptServe/SocketIO/) and mounted on the
/// same router, after the request-id, CORS, error and authentication middleware, so it shares
/// request ids, the access log, metrics and rate limits with the API.
public protocol ServerComponent: Sendable {
    func mount(on router: Router<AppRequestContext>, environment: ServerEnvironment) async throws -> MountedComponent
}
