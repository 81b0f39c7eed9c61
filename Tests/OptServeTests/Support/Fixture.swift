import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import OptKit
import Testing

@testable import OptServe

/// A server over an in-memory store with four users (an admin, two engineers, a viewer), and
/// helpers to call it as each of them. Passwords use bcrypt's cheapest cost to keep tests quick.
struct Fixture {
    let platform: Platform
    let configuration: ServerConfiguration
    let home: URL
    let metrics = ServerMetrics()

    static let secret = Array("fixture-secret-fixture-secret-fixture-secret".utf8)
    static let password = "correct horse battery"
    static let users: [(String, UserRole)] = [("ada", .admin), ("eve", .engineer), ("ed", .engineer), ("vic", .viewer)]

    /// `adjust` changes the settings (limits, CORS, profile) before the server is built.
    init(
        platform: Platform? = nil, runner: (any SessionRunning)? = nil,
        adjust: (inout ServerSettings) -> Void = { _ in }
    ) async throws {
        let platform = try platform ?? Self.makePlatform()
        self.platform = platform
        home = platform.configuration.home
        var settings = ServerSettings(profile: .dev)
        settings.userRateLimit = RateLimit(rate: 10_000, burst: 10_000)
        settings.ipRateLimit = RateLimit(rate: 10_000, burst: 10_000)
        adjust(&settings)
        let passwords = Passwords(cost: 4)
        for (name, role) in Self.users where try await platform.users.user(named: name) == nil {
            try await platform.users.add(UserAccount(
                name: name, role: role, passwordHash: try await passwords.hash(Self.password), createdAt: Timestamp.now()))
        }
        var configuration = ServerConfiguration(
            platform: platform, settings: settings, secret: Self.secret, runner: runner,
            passwords: passwords, logger: Self.quietLogger("test"), accessLogger: Self.quietLogger("test.access"))
        configuration.userCacheSeconds = 0
        self.configuration = configuration
    }

    static func quietLogger(_ label: String) -> Logger {
        var logger = Logger(label: label)
        logger.logLevel = .critical
        return logger
    }

    /// A platform over an in-memory store, with a temporary home folder for uploads.
    static func makePlatform() throws -> Platform {
        let home = FileManager.default.temporaryDirectory.appendingPathComponent("optserve-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: home, withIntermediateDirectories: true)
        return Platform(configuration: PlatformConfiguration(home: home, user: "tester"), database: try AppDatabase.inMemory())
    }

    /// Runs `body` against the application in Hummingbird's router test mode.
    func test<Value: Sendable>(_ body: @Sendable (Client) async throws -> Value) async throws -> Value {
        let app = try await buildApplication(configuration, metrics: metrics)
        defer { try? FileManager.default.removeItem(at: home) }
        return try await app.test(.router) { client in
            try await body(Client(client: client))
        }
    }

    /// A test client that signs in as a fixture user once and sends the token.
    struct Client: Sendable {
        let client: any TestClientProtocol

        @discardableResult
        func request(
            _ method: HTTPRequest.Method, _ uri: String, as user: String? = nil, json: String? = nil, body: ByteBuffer? = nil,
            headers: HTTPFields = [:]
        ) async throws -> Reply {
            var headers = headers
            if let user { headers[.authorization] = "Bearer " + (try await token(for: user)) }
            var payload = body
            if let json {
                if headers[.contentType] == nil { headers[.contentType] = "application/json" }
                payload = ByteBuffer(string: json)
            }
            let response = try await client.execute(uri: uri, method: method, headers: headers, body: payload)
            return Reply(status: response.status, headers: response.headers, body: String(buffer: response.body))
        }

        func token(for user: String) async throws -> String {
            try await tokens(for: user).access
        }

        func tokens(for user: String) async throws -> (access: String, refresh: String) {
            let body = #"{"username": "\#(user)", "password": "\#(Fixture.password)"}"#
            let response = try await client.execute(
                uri: "/auth/token", method: .post, headers: [.contentType: "application/json"], body: ByteBuffer(string: body))
            let json = try JSONParser.parse(String(buffer: response.body))
            guard response.status == .ok, let access = json["access_token"]?.stringValue, let refresh = json["refresh_token"]?.stringValue else {
                Issue.record("sign-in as \(user) failed: \(response.status) \(String(buffer: response.body))")
                throw CancellationError()
            }
            return (access, refresh)
        }
    }

    struct Reply: Sendable {
        let status: HTTPResponse.Status
        let headers: HTTPFields
        let body: String

        func json() throws -> JSONValue { try JSONParser.parse(body) }

        /// The ErrorResponse's `error` code, after checking the body has the seed's five fields.
        func errorCode(sourceLocation: SourceLocation = #_sourceLocation) throws -> String? {
            let value = try json()
            guard case .object(let object) = value else {
                Issue.record("not an ErrorResponse: \(body)", sourceLocation: sourceLocation)
                return nil
            }
            #expect(Set(object.keys) == ["error", "message", "details", "timestamp", "request_id"], sourceLocation: sourceLocation)
            #expect(object["request_id"]?.stringValue == headers[.requestID], sourceLocation: sourceLocation)
            return object["error"]?.stringValue
        }

        /// The `field` names of `details.fields`.
        func problemFields() throws -> [String] {
            guard case .array(let items)? = try json()["details"]?["fields"] else { return [] }
            return items.compactMap { $0["field"]?.stringValue }
        }
    }
}
