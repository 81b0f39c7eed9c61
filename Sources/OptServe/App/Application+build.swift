import Foundation
import Hummingbird
import Logging
import NIOCore
import OptKit
import ServiceLifecycle

/// The server's dependencies, built by `optctl serve` (and by tests with an in-memory store).
public struct ServerConfiguration: Sendable {
    public var platform: Platform
    public var settings: ServerSettings
    /// The HS256 secret (`JWTSecret.load`).
    public var secret: [UInt8]
    /// Runs sessions for POST /optimization/sessions; nil: the server does not start sessions.
    public var runner: (any SessionRunning)?
    /// Checks an uploaded model before it is registered (the ONNX loader).
    public var validateModel: ModelValidator
    public var passwords: Passwords
    /// The lease holder of the sessions this server creates and runs (this process).
    public var holder: LeaseHolder = .current
    /// How often sessions whose process died (lease expired) are failed as interrupted.
    public var sweepInterval: Duration = .seconds(LeaseHolder.duration)
    /// How long the users' roles are cached: a removed user's tokens stop working after this.
    public var userCacheSeconds: Double = 2
    public var logger: Logger
    /// One line per request, at info level.
    public var accessLogger: Logger
    /// The buffer the access logger writes through, if any: the application flushes it while it
    /// runs and when it stops.
    public var accessLogOutput: BufferedLogOutput?

    public init(
        platform: Platform, settings: ServerSettings, secret: [UInt8], runner: (any SessionRunning)? = nil,
        validateModel: @escaping ModelValidator = validateONNXModel, passwords: Passwords = Passwords(),
        logger: Logger = Logger(label: "optctl.serve"), accessLogger: Logger = Logger(label: "optctl.access")
    ) {
        self.platform = platform
        self.settings = settings
        self.secret = secret
        self.runner = runner
        self.validateModel = validateModel
        self.passwords = passwords
        self.logger = logger
        self.accessLogger = accessLogger
    }
}

/// Builds the HTTP application: the real-time channel at /socket.io (docs/realtime.md), then
/// middleware in the order every request crosses it (request id and access log, CORS, errors
/// to ErrorResponse, authentication and rate limit), then one controller per resource.
/// `onServerRunning` receives the listening channel (its local address tells the port when the
/// settings asked for port 0).
public func buildApplication(
    _ configuration: ServerConfiguration, metrics: ServerMetrics = ServerMetrics(),
    onServerRunning: @escaping @Sendable (any Channel) async -> Void = { _ in }
) async throws -> some ApplicationProtocol {
    let settings = configuration.settings
    let platform = configuration.platform
    let logger = configuration.logger
    let tokens = await TokenService(
        secret: configuration.secret, accessLifetime: settings.accessTokenLifetime, refreshLifetime: settings.refreshTokenLifetime)
    let directory = UserDirectory(store: platform.users, maxAge: configuration.userCacheSeconds)
    let readCache = try StoreReadCache(database: platform.database)
    var realtimeLogger = Logger(label: "optctl.realtime")
    realtimeLogger.logLevel = logger.logLevel
    let realtime = RealtimeChannel(
        configuration: RealtimeConfiguration(settings: settings), verifier: APITokenVerifier(tokens: tokens, directory: directory),
        sessions: platform.sessions, events: try StoreEventSource(database: platform.database),
        logger: realtimeLogger)
    let queue = configuration.runner.map {
        SessionQueue(
            runner: $0, sessions: platform.sessions, workers: settings.workers, capacity: settings.queueLimit,
            holder: configuration.holder, metrics: metrics, logger: logger
        ) { waiting, running in
            realtime.reportRunQueue(waiting: waiting, running: running, workers: settings.workers, limit: settings.queueLimit)
        }
    }
    let document = APIDocument.build(settings: settings, sessionsEnabled: queue != nil)
    let documentBytes = try APIDocument.encoded(document)
    let routes = RouteTable(APIDocument.routes(of: document))
    let docsPage = DocsPage(document: try JSONParser.parse(documentBytes))

    let router = Router(context: AppRequestContext.self)
    // Mounted before the middleware, which applies only to routes added after it: long-polling
    // requests must not meet the REST API's bearer-token check and per-IP request limit (the
    // channel authenticates the Socket.IO CONNECT and limits connections itself), nor count as
    // API requests in the access log and metrics. Browsers on other origins poll it too: CORS.
    realtime.addRoutes(to: router.group().add(middleware: CORSAllowListMiddleware(
        origins: Set(settings.corsOrigins), routes: RouteTable([(.get, realtime.path), (.post, realtime.path)]))))
    router.add(middleware: RequestLogMiddleware(logger: configuration.accessLogger, metrics: metrics))
    router.add(middleware: CORSAllowListMiddleware(origins: Set(settings.corsOrigins), routes: routes))
    router.add(middleware: ErrorMiddleware(routes: routes, logger: logger))
    router.add(middleware: AuthenticationMiddleware(
        tokens: tokens, directory: directory, userLimiter: RateLimiter(), ipLimiter: RateLimiter(), settings: settings))

    DocsController(document: documentBytes, page: docsPage).addRoutes(to: router)
    OperationsController(
        platform: platform, settings: settings, metrics: metrics, started: .now, realtimeClients: { realtime.connectedClients }
    ).addRoutes(to: router)
    router.addRoutes(
        AuthController(
            users: platform.users, tokens: tokens, passwords: configuration.passwords, settings: settings,
            decoyHash: try await configuration.passwords.hash("optctl-decoy-\(UUID().uuidString)")
        ).routes, atPath: "/auth")
    router.addRoutes(DashboardController(platform: platform, cache: readCache).routes, atPath: "/dashboard")
    router.addRoutes(SessionsController(
        platform: platform, queue: queue, holder: configuration.holder, settings: settings, cache: readCache).routes, atPath: "/optimization/sessions")
    router.addRoutes(ConfigController(platform: platform, settings: settings).routes, atPath: "/config")
    router.addRoutes(
        ModelsController(platform: platform, settings: settings, validate: configuration.validateModel).routes, atPath: "/models")

    var services: [any Service] = [realtime, AbandonedSessionSweeper(platform: platform, interval: configuration.sweepInterval, logger: logger)]
    if let queue { services.append(queue) }
    // First, so that it stops last: after the HTTP server has logged its last request.
    if let output = configuration.accessLogOutput { services.insert(output, at: 0) }
    // WebSocket upgrades are decided before routing; the channel answers those for its path
    // and serves its WebSockets on the event loop.
    return Application(
        router: router,
        server: .engineIO([realtime.engine]),
        configuration: ApplicationConfiguration(address: .hostname(settings.host, port: settings.port), serverName: "optctl"),
        services: services, onServerRunning: onServerRunning, logger: logger)
}
