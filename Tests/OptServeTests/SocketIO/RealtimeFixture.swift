import Foundation
import JWTKit
import OptKit
@testable import OptServe

/// HS256 tokens as the REST API will issue them: subject = user, a role claim, an expiry. The
/// real verifier is the server's; this one stands in for it so the channel can be tested alone.
struct TestTokens: RealtimeTokenVerifier {
    struct Payload: JWTPayload {
        var sub: SubjectClaim
        var exp: ExpirationClaim
        var role: String

        func verify(using algorithm: some JWTAlgorithm) async throws {
            try exp.verifyNotExpired()
        }
    }

    let keys: JWTKeyCollection
    /// Users removed since their tokens were issued (as `optctl users remove` would).
    let removed = SendableBox<Set<String>>([])

    static func make() async -> TestTokens {
        let keys = JWTKeyCollection()
        await keys.add(hmac: "realtime-test-secret-of-at-least-32-bytes", digestAlgorithm: .sha256)
        return TestTokens(keys: keys)
    }

    func isStillValid(_ identity: RealtimeIdentity) async -> Bool {
        !removed.value.contains(identity.user)
    }

    func token(_ user: String, _ role: UserRole, expiresIn: TimeInterval = 3600) async throws -> String {
        try await keys.sign(Payload(sub: .init(value: user), exp: .init(value: Date(timeIntervalSinceNow: expiresIn)), role: role.rawValue))
    }

    func identity(forToken token: String) async throws(TokenRefusal) -> RealtimeIdentity {
        let payload: Payload
        do {
            payload = try await keys.verify(token, as: Payload.self)
        } catch let error as JWTError where error.errorType == .claimVerificationFailure {
            throw TokenRefusal("token expired")
        } catch {
            throw TokenRefusal("invalid token")
        }
        guard let role = UserRole(rawValue: payload.role) else { throw TokenRefusal("invalid token") }
        return RealtimeIdentity(user: payload.sub.value, role: role, expiresAt: payload.exp.value)
    }
}

/// A platform in a temporary home, the channel over it following the store's event log.
struct RealtimeFixture {
    let home: URL
    let platform: Platform
    let channel: RealtimeChannel
    let tokens: TestTokens

    static func make(
        configuration: RealtimeConfiguration = Self.configuration(),
        events: (any RealtimeEventSource)? = nil
    ) async throws -> RealtimeFixture {
        let home = FileManager.default.temporaryDirectory.appendingPathComponent("realtime-\(UUID().uuidString)")
        let platform = try Platform(configuration: PlatformConfiguration(home: home, user: "tester"))
        let path = home.appendingPathComponent(Platform.databaseFileName).path
        let source = try events ?? StoreEventSource(
            log: SQLiteEventLog(database: platform.database), changes: SQLiteChangeDetector(path: path),
            interval: .milliseconds(20))
        let tokens = await TestTokens.make()
        let channel = RealtimeChannel(
            configuration: configuration, verifier: tokens, sessions: platform.sessions, events: source,
            logger: LiveServer.logger)
        return RealtimeFixture(home: home, platform: platform, channel: channel, tokens: tokens)
    }

    static func configuration(statusInterval: Duration = .seconds(30), failureAlertMinimum: Int = 5) -> RealtimeConfiguration {
        RealtimeConfiguration(
            engine: LiveServer.configuration(),
            statusInterval: statusInterval, failureAlertMinimum: failureAlertMinimum)
    }

    func session(owner: String) async throws -> Session {
        try await platform.sessions.create(NewSession(modelID: "model-1", modelName: "policy.onnx", techniques: ["quantize-int8"], owner: owner))
    }

    func removeHome() {
        try? FileManager.default.removeItem(at: home)
    }
}

/// A Socket.IO client on a raw WebSocket, enough to drive the channel precisely.
struct SocketIOTestClient {
    let socket: RawWebSocket
    /// The CONNECT answer: `40{"sid":…}` or `44{…}`.
    let connectReply: String

    static func connect(_ port: Int, token: String?) async throws -> SocketIOTestClient {
        let socket = try await RawWebSocket.connect(port, query: "EIO=4&transport=websocket")
        guard let open = await socket.nextText(), open.hasPrefix("0") else { throw TestFailure("no Engine.IO handshake") }
        try await socket.send(token.map { "40{\"token\":\(JSONText.quoted($0))}" } ?? "40")
        guard let reply = await socket.nextText() else { throw TestFailure("no CONNECT answer") }
        return SocketIOTestClient(socket: socket, connectReply: reply)
    }

    var connected: Bool { connectReply.hasPrefix("40") }

    /// The next event (name and first argument), skipping pings and `system_status`.
    func nextEvent(timeout: Duration = .seconds(5), skipping: Set<String> = ["system_status"]) async -> (name: String, payload: JSONValue)? {
        while let text = await socket.nextText(timeout: timeout) {
            guard text.hasPrefix("42"), case .array(let items)? = try? JSONParser.parse(String(text.dropFirst(2))),
                  case .string(let name)? = items.first, !skipping.contains(name)
            else { continue }
            return (name, items.count > 1 ? items[1] : .null)
        }
        return nil
    }

    /// The next event with `name`, skipping others (`system_status` in particular).
    func next(_ name: String, timeout: Duration = .seconds(5)) async -> JSONValue? {
        while let event = await nextEvent(timeout: timeout, skipping: []) {
            if event.name == name { return event.payload }
        }
        return nil
    }

    /// Emits an event with an ack id and returns the ack's first argument. Events that arrive
    /// meanwhile are returned too, in order.
    func call(_ event: String, _ argument: String, id: Int) async throws -> (ack: JSONValue, events: [String]) {
        try await socket.send("42\(id)[\(JSONText.quoted(event)),\(argument)]")
        var events: [String] = []
        while let text = await socket.nextText() {
            if text.hasPrefix("43\(id)[") {
                guard case .array(let items) = try JSONParser.parse(String(text.dropFirst(2 + String(id).count))) else {
                    throw TestFailure("bad ack \(text)")
                }
                return (items.first ?? .null, events)
            }
            events.append(text)
        }
        throw TestFailure("no ack for \(event)")
    }
}
