import Hummingbird
import NIOCore
import OptKit
import Synchronization

/// Who made a request, from a verified access token.
public struct Identity: Equatable, Sendable {
    public var name: String
    public var role: UserRole

    public init(name: String, role: UserRole) {
        self.name = name
        self.role = role
    }
}

/// The per-request context: the request id every response echoes, the caller's identity once
/// the bearer token is verified, and the peer address that rate limits key on before login.
/// (WebSocket upgrades never reach the router: `EngineHTTPChannel` serves them.)
public struct AppRequestContext: RequestContext, RemoteAddressRequestContext {
    public var coreContext: CoreRequestContextStorage
    public let remoteAddress: SocketAddress?
    /// Set by `RequestIDMiddleware` before anything else runs.
    public var requestID: String = ""
    /// Set by `AuthenticationMiddleware` when the request carries a valid access token.
    public var identity: Identity? {
        didSet { log.user = identity?.name }
    }
    /// Shared by every copy of this context, so the access log (written by the outermost
    /// middleware) sees who the inner middleware found the caller to be.
    let log = RequestLogRecord()
    /// Set when the request carries the configured metrics token (it may read /metrics only).
    public var metricsToken = false

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        remoteAddress = source.channel.remoteAddress
    }

    /// JSON bodies are collected by `JSONBody` with their own limit and model uploads are
    /// streamed; this bounds anything else that would collect a body.
    public var maxUploadSize: Int { 1 << 20 }

    /// The authenticated caller, or 401.
    public func requireIdentity() throws(APIError) -> Identity {
        guard let identity else { throw APIError.unauthorized("this endpoint needs a bearer token: POST /auth/token first") }
        return identity
    }

    /// The rate limiter's key: the user once authenticated, else the peer's IP address.
    var rateLimitKey: String {
        if let identity { return "user:" + identity.name }
        return "ip:" + (remoteAddress?.ipAddress ?? "unknown")
    }
}

/// What the access log needs to learn from inside the middleware chain.
final class RequestLogRecord: Sendable {
    private let value = Mutex<String?>(nil)

    var user: String? {
        get { value.withLock { $0 } }
        set { value.withLock { $0 = newValue } }
    }
}
