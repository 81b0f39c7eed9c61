import Foundation
import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle
import Synchronization

/// An Engine.IO v4 endpoint: the handshake, both transports, the upgrade between them and the
/// server-driven heartbeat. What the messages mean is up to the `EngineApplication` on top.
///
/// Mount it with `addRoutes(to:)` (long-polling on the HTTP router) and build the server with
/// `.engineIO(_:)` (the WebSocket upgrade, served on the event loop), and run it as a
/// `Service` (the heartbeat) for as long as the server runs.
public final class EngineServer: Service, Sendable {
    public let configuration: EngineConfiguration
    let limits: EngineSession.Limits
    let application: any EngineApplication
    let logger: Logger
    private let sessions = Mutex<[String: EngineSession]>([:])
    private let rateLimiter: ConnectionRateLimiter
    private let onSessionCountChange: @Sendable (Int) -> Void

    public init(
        configuration: EngineConfiguration,
        application: any EngineApplication,
        logger: Logger = Logger(label: "optctl.engineio"),
        onSessionCountChange: @escaping @Sendable (Int) -> Void = { _ in }
    ) {
        self.configuration = configuration
        self.limits = EngineSession.Limits(configuration)
        self.application = application
        self.logger = logger
        self.rateLimiter = ConnectionRateLimiter(
            ratePerSecond: configuration.connectionRatePerSecond, burst: configuration.connectionBurst)
        self.onSessionCountChange = onSessionCountChange
    }

    /// Sessions open now.
    public var sessionCount: Int { sessions.withLock { $0.count } }

    // MARK: - Session table

    private func register(_ session: EngineSession) -> Bool {
        let count = sessions.withLock { table -> Int? in
            guard table.count < configuration.maxConnections else { return nil }
            table[session.id] = session
            return table.count
        }
        guard let count else { return false }
        onSessionCountChange(count)
        return true
    }

    func remove(_ session: EngineSession) {
        let count = sessions.withLock { table -> Int? in
            guard table[session.id] === session else { return nil }
            table[session.id] = nil
            return table.count
        }
        if let count { onSessionCountChange(count) }
    }

    func session(_ id: String) -> EngineSession? {
        sessions.withLock { $0[id] }
    }

    /// Opens a session: registers it, lets the application attach its handler, and queues the
    /// open packet first. Nil when the server is full.
    private func open(transport: EngineSession.Transport, handshake: EngineHandshake) -> EngineSession? {
        let session = EngineSession(id: Self.makeID(), handshake: handshake, transport: transport, server: self)
        guard register(session) else { return nil }
        let upgrades = if case .polling = transport { "[\"websocket\"]" } else { "[]" }
        let open = "{\"sid\":\"\(session.id)\",\"upgrades\":\(upgrades),"
            + "\"pingInterval\":\(EngineConfiguration.milliseconds(configuration.pingInterval)),"
            + "\"pingTimeout\":\(EngineConfiguration.milliseconds(configuration.pingTimeout)),"
            + "\"maxPayload\":\(configuration.maxPayload)}"
        session.send([EngineFrame(packet: .open(open))])
        session.attach(application.open(session))
        return session
    }

    /// 15 random bytes, base64url: 20 characters, as the reference server's ids.
    static func makeID() -> String {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<15).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        return Data(bytes).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_")
    }

    /// Checks the version and transport every request must carry.
    private func validate(_ query: [String: String], transport expected: String?) -> EngineHTTPError? {
        guard query["EIO"] == "4" else { return .unsupportedProtocolVersion }
        guard let transport = query["transport"], transport == "polling" || transport == "websocket" else {
            return .unknownTransport
        }
        if let expected, transport != expected { return .badRequest("transport \(transport) needs a WebSocket upgrade request") }
        return nil
    }

    private func admitNewSession(from address: String?) -> EngineHTTPError? {
        guard sessionCount < configuration.maxConnections else { return .tooManyConnections }
        if let retry = rateLimiter.admit(address ?? "unknown") { return .rateLimited(retryAfterSeconds: retry) }
        return nil
    }

    // MARK: - Polls overtaken by the client's close

    /// Sessions a polling client closed while no poll was held, and until when the poll it
    /// had in flight may still arrive. A client closes with a POST while its GET is pending;
    /// the two travel on different connections, so the close can be handled first. That GET is
    /// then answered with noop, as if it had been held, instead of an error; later ones get 400.
    private let closedByClient = Mutex<[String: ContinuousClock.Instant]>([:])
    private static let overtakenPollWindow = Duration.seconds(2)

    func rememberClientClose(_ sid: String) {
        let now = ContinuousClock.now
        closedByClient.withLock { table in
            if table.count >= 1024 { table = table.filter { $0.value > now } }
            table[sid] = now + Self.overtakenPollWindow
        }
    }

    private func consumeClientClose(_ sid: String) -> Bool {
        closedByClient.withLock { table in
            guard let until = table.removeValue(forKey: sid) else { return false }
            return ContinuousClock.now < until
        }
    }

    private static var noopResponse: Response {
        Response(
            status: .ok, headers: [.contentType: "text/plain; charset=UTF-8"],
            body: .init(byteBuffer: ByteBuffer(string: "6")))
    }

    // MARK: - Heartbeat

    /// Runs the heartbeat until the service group shuts down (or the task is cancelled), then
    /// closes every session.
    public func run() async throws {
        await cancelWhenGracefulShutdown { await self.runHeartbeat() }
        closeAll(.serverShutdown)
    }

    /// Sends pings and enforces every session deadline until cancelled. It looks every 1/50 of
    /// the shorter heartbeat duration, between 2 ms and 250 ms: pings leave at most that late,
    /// while timeouts are exact (deadlines count from when the ping was due).
    func runHeartbeat() async {
        let shortest = min(configuration.pingInterval, configuration.pingTimeout)
        let tick = min(max(shortest / 50, .milliseconds(2)), .milliseconds(250))
        while !Task.isCancelled {
            do {
                try await Task.sleep(for: tick)
            } catch {
                break
            }
            let now = ContinuousClock.now
            for session in sessions.withLock({ Array($0.values) }) {
                session.tick(now: now)
            }
        }
    }

    /// Closes every session (clients get a close packet or frame).
    public func closeAll(_ reason: EngineCloseReason = .serverShutdown) {
        for session in sessions.withLock({ Array($0.values) }) {
            session.close(reason)
        }
    }

    // MARK: - HTTP long-polling

    /// Adds the long-polling routes (the router serves `path/` at `path` too), for every
    /// method: a wrong one is a protocol error, not a 405.
    public func addRoutes<Router: RouterMethods>(to router: Router) {
        let methods: [HTTPRequest.Method] = [.get, .post, .put, .delete, .patch, .head]
        for method in methods {
            router.on(RouterPath(configuration.path), method: method) { request, context in
                let address = (context as? any RemoteAddressRequestContext)?.remoteAddress?.ipAddress
                var response = await self.respond(to: request, remoteAddress: address)
                // The connection closes after this response when the client asked for that; saying
                // so keeps clients with a keep-alive pool (Node's) from reusing a closing socket.
                if request.headers[.connection]?.lowercased().contains("close") == true {
                    response.headers[.connection] = "close"
                }
                return response
            }
        }
    }

    func respond(to request: Request, remoteAddress: String?) async -> Response {
        let (_, query) = Self.split(request.uri.description)
        if let error = validate(query, transport: "polling") { return error.response }
        guard let sid = query["sid"] else {
            guard request.method == .get else { return EngineHTTPError.badHandshakeMethod.response }
            if let refusal = admitNewSession(from: remoteAddress) { return refusal.response }
            let handshake = EngineHandshake(query: query, headers: request.headers, remoteAddress: remoteAddress)
            guard let session = open(transport: .polling, handshake: handshake) else {
                return EngineHTTPError.tooManyConnections.response
            }
            return await pollResponse(session)
        }
        guard let session = session(sid) else {
            if request.method == .get, consumeClientClose(sid) { return Self.noopResponse }
            return EngineHTTPError.unknownSession.response
        }
        switch request.method {
        case .get:
            return await pollResponse(session)
        case .post:
            var request = request
            let body: ByteBuffer
            do {
                body = try await request.collectBody(upTo: configuration.maxPayload)
            } catch {
                return EngineHTTPError.payloadTooLarge.response
            }
            if let error = await session.post(body) { return error.response }
            return Response(
                status: .ok, headers: [.contentType: "text/html"], body: .init(byteBuffer: ByteBuffer(string: "ok")))
        default:
            return EngineHTTPError.badRequest("method \(request.method) is not used by Engine.IO").response
        }
    }

    /// A poll held until there is something to send. When the server begins a graceful
    /// shutdown, the session closes, which answers the poll with a close packet at once.
    private func pollResponse(_ session: EngineSession) async -> Response {
        let outcome = await withGracefulShutdownHandler {
            await session.poll()
        } onGracefulShutdown: {
            session.close(.serverShutdown)
        }
        switch outcome {
        case .frames(let frames):
            return Response(
                status: .ok, headers: [.contentType: "text/plain; charset=UTF-8"],
                body: .init(byteBuffer: PollingPayload.encode(frames)))
        case .failure(let error):
            return error.response
        }
    }

    // MARK: - WebSocket

    /// What a WebSocket upgrade request for this endpoint leads to.
    enum WebSocketUpgrade {
        /// No upgrade: the client gets a plain 400.
        case refuse
        case accept(WebSocketTarget)
    }

    /// What an accepted WebSocket carries.
    enum WebSocketTarget {
        /// A new session.
        case open(EngineHandshake)
        /// A probe taking over a polling session.
        case probe(EngineSession)
    }

    /// The WebSocket upgrade decision, on the connection's event loop before the 101 answer
    /// (`EngineHTTPChannel` asks each endpoint in turn). Nil when the request is not for this
    /// endpoint; `.refuse` for a bad version or transport, an unknown sid, a full server or too
    /// many attempts.
    func webSocketUpgrade(target: String, headers: HTTPFields, remoteAddress: String?) -> WebSocketUpgrade? {
        let (path, query) = Self.split(target)
        guard path == configuration.path || path == configuration.path + "/" else { return nil }
        guard validate(query, transport: "websocket") == nil else { return .refuse }
        if let sid = query["sid"] {
            guard let session = session(sid) else { return .refuse }
            return .accept(.probe(session))
        }
        guard admitNewSession(from: remoteAddress) == nil else { return .refuse }
        return .accept(.open(EngineHandshake(query: query, headers: headers, remoteAddress: remoteAddress)))
    }

    /// Serves an upgraded connection (on its event loop, once the 101 answer has gone): its
    /// WebSocket handlers go into the pipeline and its frames to the session. A sid that is
    /// already upgraded or upgrading, or a server that filled up meanwhile, gets a WebSocket
    /// that is closed at once, as the reference server does (clients see a close, not an HTTP
    /// error).
    func startWebSocket(_ target: WebSocketTarget, on channel: any Channel) throws {
        let link = try WebSocketLink(
            channel: channel, maxPayload: configuration.maxPayload, writeWindow: configuration.writeWindow,
            closeTimeout: configuration.closeTimeout)
        switch target {
        case .probe(let session):
            guard session.beginProbe(link) else { return link.close(code: .policyViolation) }
            link.attach(session)
        case .open(let handshake):
            guard let session = open(transport: .websocket(link), handshake: handshake) else {
                return link.close(code: .unknown(1013))  // try again later
            }
            link.attach(session)
        }
    }

    /// The path and the query parameters of a request target (the first value of a repeated
    /// parameter wins; `+` and percent escapes are decoded).
    static func split(_ target: String) -> (path: String, query: [String: String]) {
        guard let mark = target.firstIndex(of: "?") else { return (target, [:]) }
        var query: [String: String] = [:]
        for pair in target[target.index(after: mark)...].split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            func decode(_ text: Substring) -> String {
                let spaced = text.replacingOccurrences(of: "+", with: " ")
                return spaced.removingPercentEncoding ?? spaced
            }
            let key = decode(parts[0])
            if query[key] == nil { query[key] = parts.count > 1 ? decode(parts[1]) : "" }
        }
        return (String(target[..<mark]), query)
    }
}
