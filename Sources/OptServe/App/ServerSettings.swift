import Foundation
import OptKit

/// A deployment profile: its defaults, and how strict start-up checks are.
public enum Profile: String, Sendable, CaseIterable {
    /// A developer's machine: the frontend's dev-server origins allowed, /metrics public, the
    /// token secret created on first start.
    case dev
    /// Like prod, except that the token secret file may still be created on first start.
    case staging
    /// Refuses to start without a configured secret or with open CORS; /metrics needs a token.
    case prod
}

/// A token bucket's shape: `rate` tokens per second, at most `burst` saved up.
public struct RateLimit: Equatable, Sendable {
    public var rate: Double
    public var burst: Int

    public init(rate: Double, burst: Int) {
        self.rate = rate
        self.burst = burst
    }
}

/// Everything `optctl serve` can be configured with. Built from a profile's defaults, then
/// environment overrides (`OPTCTL_*`, listed in docs/api.md), then command-line flags, and
/// validated as a whole: every bad value is reported at once, naming its variable.
public struct ServerSettings: Sendable {
    public var profile: Profile
    public var host: String
    public var port: Int
    /// Exact origins allowed to call the API from a browser (`https://dash.example.com`);
    /// `*` allows any origin, but then never with credentials, and never in prod.
    public var corsOrigins: [String]
    public var accessTokenLifetime: Int
    public var refreshTokenLifetime: Int
    /// Per authenticated user.
    public var userRateLimit: RateLimit
    /// Per client IP address, for requests without a valid token (logins among them).
    public var ipRateLimit: RateLimit
    /// The largest JSON request body accepted.
    public var maxBodyBytes: Int
    /// The largest model upload accepted.
    public var maxUploadBytes: Int64
    /// Sessions optimized at the same time by this server.
    public var workers: Int
    /// Sessions waiting (pending) for a worker before POST /optimization/sessions answers 503.
    public var queueLimit: Int
    /// The token secret given in the environment (OPTCTL_JWT_SECRET), if any.
    public var jwtSecret: String?
    /// Where the token secret file is (default: `jwt-secret` in the home folder).
    public var jwtSecretFile: String?
    /// A token that may read /metrics (besides an admin's), for a Prometheus scraper.
    public var metricsToken: String?
    /// Whether /metrics answers without a token (dev only).
    public var metricsPublic: Bool
    /// Real-time (Socket.IO) connections open at once; handshakes beyond are refused.
    public var realtimeMaxConnections: Int
    /// The largest real-time message or polling body, advertised to clients as maxPayload.
    public var realtimeMaxPayload: Int
    /// New real-time connections per client IP address.
    public var realtimeConnectRate: RateLimit

    public static let defaultPort = 8000

    /// A profile's defaults.
    public init(profile: Profile) {
        self.profile = profile
        host = "127.0.0.1"
        port = Self.defaultPort
        corsOrigins = profile == .dev
            ? ["http://localhost:3000", "http://localhost:5173", "http://127.0.0.1:3000", "http://127.0.0.1:5173"]
            : []
        accessTokenLifetime = 15 * 60
        refreshTokenLifetime = 7 * 24 * 3600
        userRateLimit = RateLimit(rate: 50, burst: 100)
        ipRateLimit = RateLimit(rate: 5, burst: 20)
        maxBodyBytes = 1 << 20
        maxUploadBytes = 1 << 30
        workers = 1
        queueLimit = 100
        metricsPublic = profile == .dev
        realtimeMaxConnections = 20_000
        realtimeMaxPayload = 1_000_000
        realtimeConnectRate = RateLimit(rate: 20, burst: 40)
    }

    /// The environment variables that override settings, with what each one means.
    public static let environmentVariables: [(name: String, meaning: String)] = [
        ("OPTCTL_PROFILE", "dev, staging or prod (default dev; --profile wins)"),
        ("OPTCTL_HOST", "address to listen on (default 127.0.0.1; --host wins)"),
        ("OPTCTL_PORT", "port to listen on (default 8000, 0 for any free port; --port wins)"),
        ("OPTCTL_JWT_SECRET", "token signing secret, at least 32 characters"),
        ("OPTCTL_JWT_SECRET_FILE", "file holding the secret (default HOME/jwt-secret, mode 0600)"),
        ("OPTCTL_CORS_ORIGINS", "comma-separated origins allowed from browsers, or * (not in prod)"),
        ("OPTCTL_ACCESS_TOKEN_TTL", "access token lifetime in seconds (default 900)"),
        ("OPTCTL_REFRESH_TOKEN_TTL", "refresh token lifetime in seconds (default 604800)"),
        ("OPTCTL_RATE_LIMIT", "requests per second per user (default 50)"),
        ("OPTCTL_RATE_BURST", "requests a user may burst (default 100)"),
        ("OPTCTL_IP_RATE_LIMIT", "requests per second per IP address without a token (default 5)"),
        ("OPTCTL_IP_RATE_BURST", "requests an IP address may burst without a token (default 20)"),
        ("OPTCTL_MAX_BODY_BYTES", "largest JSON request body (default 1048576)"),
        ("OPTCTL_MAX_UPLOAD_BYTES", "largest model upload (default 1073741824)"),
        ("OPTCTL_WORKERS", "sessions optimized at once (default 1)"),
        ("OPTCTL_QUEUE_LIMIT", "pending sessions waiting for a worker (default 100)"),
        ("OPTCTL_METRICS_TOKEN", "a bearer token that may read /metrics, at least 16 characters"),
        ("OPTCTL_SOCKETIO_MAX_CONNECTIONS", "real-time (Socket.IO) connections open at once (default 20000)"),
        ("OPTCTL_SOCKETIO_MAX_PAYLOAD", "largest real-time message in bytes (default 1000000)"),
        ("OPTCTL_SOCKETIO_CONNECT_RATE", "new real-time connections per second per IP address (default 20)"),
        ("OPTCTL_SOCKETIO_CONNECT_BURST", "new real-time connections an IP address may burst (default 40)"),
    ]

    /// Profile defaults, then the environment, then explicit flags; validated.
    public static func resolve(
        environment: [String: String], profile explicitProfile: String? = nil, host explicitHost: String? = nil,
        port explicitPort: Int? = nil
    ) throws(SettingsRejected) -> ServerSettings {
        var problems: [FieldProblem] = []
        func value(_ name: String) -> String? {
            guard let text = environment[name]?.trimmingCharacters(in: .whitespaces), !text.isEmpty else { return nil }
            return text
        }
        func problem(_ field: String, _ text: String?, _ message: String) {
            problems.append(FieldProblem(field: field, value: text.map(JSONValue.string), message: message))
        }

        let profileText = explicitProfile ?? value("OPTCTL_PROFILE") ?? Profile.dev.rawValue
        let profile = Profile(rawValue: profileText) ?? .prod
        if Profile(rawValue: profileText) == nil {
            problem(explicitProfile == nil ? "OPTCTL_PROFILE" : "--profile", profileText, "must be dev, staging or prod")
        }
        var settings = ServerSettings(profile: profile)

        func integer(_ name: String, _ range: ClosedRange<Int>) -> Int? {
            guard let text = value(name) else { return nil }
            guard let number = Int(text), range.contains(number) else {
                problem(name, text, "must be an integer from \(range.lowerBound) to \(range.upperBound)")
                return nil
            }
            return number
        }
        func decimal(_ name: String, _ range: ClosedRange<Double>) -> Double? {
            guard let text = value(name) else { return nil }
            guard let number = Double(text), range.contains(number) else {
                problem(name, text, "must be a number from \(range.lowerBound) to \(range.upperBound)")
                return nil
            }
            return number
        }

        settings.host = explicitHost ?? value("OPTCTL_HOST") ?? settings.host
        if settings.host.isEmpty || settings.host.contains(where: \.isWhitespace) {
            problem(explicitHost == nil ? "OPTCTL_HOST" : "--host", settings.host, "must be a host name or IP address")
        }
        if let explicitPort {
            if !(0...65535).contains(explicitPort) {
                problem("--port", String(explicitPort), "must be from 0 to 65535")
            }
            settings.port = explicitPort
        } else if let port = integer("OPTCTL_PORT", 0...65535) {
            settings.port = port
        }
        if let origins = value("OPTCTL_CORS_ORIGINS") {
            settings.corsOrigins = origins.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        }
        for origin in settings.corsOrigins where origin != "*" && !isOrigin(origin) {
            problem("OPTCTL_CORS_ORIGINS", origin, "must be an origin like https://dash.example.com (scheme, host, optional port; no path)")
        }
        settings.accessTokenLifetime = integer("OPTCTL_ACCESS_TOKEN_TTL", 60...86_400) ?? settings.accessTokenLifetime
        settings.refreshTokenLifetime = integer("OPTCTL_REFRESH_TOKEN_TTL", 60...(90 * 86_400)) ?? settings.refreshTokenLifetime
        if settings.refreshTokenLifetime < settings.accessTokenLifetime {
            problem("OPTCTL_REFRESH_TOKEN_TTL", String(settings.refreshTokenLifetime), "must not be shorter than OPTCTL_ACCESS_TOKEN_TTL (\(settings.accessTokenLifetime))")
        }
        settings.userRateLimit.rate = decimal("OPTCTL_RATE_LIMIT", 0.01...1_000_000) ?? settings.userRateLimit.rate
        settings.userRateLimit.burst = integer("OPTCTL_RATE_BURST", 1...1_000_000) ?? settings.userRateLimit.burst
        settings.ipRateLimit.rate = decimal("OPTCTL_IP_RATE_LIMIT", 0.01...1_000_000) ?? settings.ipRateLimit.rate
        settings.ipRateLimit.burst = integer("OPTCTL_IP_RATE_BURST", 1...1_000_000) ?? settings.ipRateLimit.burst
        settings.maxBodyBytes = integer("OPTCTL_MAX_BODY_BYTES", 1024...(64 << 20)) ?? settings.maxBodyBytes
        settings.maxUploadBytes = integer("OPTCTL_MAX_UPLOAD_BYTES", 1024...(64 << 30)).map(Int64.init) ?? settings.maxUploadBytes
        settings.workers = integer("OPTCTL_WORKERS", 1...64) ?? settings.workers
        settings.queueLimit = integer("OPTCTL_QUEUE_LIMIT", 0...100_000) ?? settings.queueLimit
        settings.realtimeMaxConnections = integer("OPTCTL_SOCKETIO_MAX_CONNECTIONS", 1...1_000_000) ?? settings.realtimeMaxConnections
        settings.realtimeMaxPayload = integer("OPTCTL_SOCKETIO_MAX_PAYLOAD", 1024...(64 << 20)) ?? settings.realtimeMaxPayload
        settings.realtimeConnectRate.rate = decimal("OPTCTL_SOCKETIO_CONNECT_RATE", 0.01...1_000_000) ?? settings.realtimeConnectRate.rate
        settings.realtimeConnectRate.burst = integer("OPTCTL_SOCKETIO_CONNECT_BURST", 1...1_000_000) ?? settings.realtimeConnectRate.burst
        settings.jwtSecret = value("OPTCTL_JWT_SECRET")
        if let secret = settings.jwtSecret, secret.utf8.count < JWTSecret.minimumLength {
            problem("OPTCTL_JWT_SECRET", nil, "must be at least \(JWTSecret.minimumLength) characters (its value is not shown)")
        }
        settings.jwtSecretFile = value("OPTCTL_JWT_SECRET_FILE")
        settings.metricsToken = value("OPTCTL_METRICS_TOKEN")
        if let token = settings.metricsToken, token.utf8.count < 16 {
            problem("OPTCTL_METRICS_TOKEN", nil, "must be at least 16 characters (its value is not shown)")
        }

        if profile == .prod {
            if settings.corsOrigins.contains("*") {
                problem("OPTCTL_CORS_ORIGINS", "*", "open CORS (*) is refused in the prod profile; list the dashboard's origins")
            }
            if settings.jwtSecret == nil, settings.jwtSecretFile == nil {
                problem("OPTCTL_JWT_SECRET", nil, "the prod profile needs a configured secret: set OPTCTL_JWT_SECRET or OPTCTL_JWT_SECRET_FILE (created with: umask 077; openssl rand -hex 32 > FILE)")
            }
        }
        if !problems.isEmpty { throw SettingsRejected(profile: profileText, problems: problems) }
        return settings
    }

    /// `scheme://host[:port]` with nothing after it.
    static func isOrigin(_ text: String) -> Bool {
        guard let url = URL(string: text), let scheme = url.scheme, ["http", "https"].contains(scheme),
              let host = url.host, !host.isEmpty, url.path.isEmpty, url.query == nil, url.fragment == nil, url.user == nil
        else { return false }
        return true
    }

    /// Whether credentials may accompany cross-origin requests: never with `*`.
    public var corsAllowsCredentials: Bool { !corsOrigins.contains("*") }
}

/// Settings that cannot be used, each problem naming its variable or flag. Exit 64 from the CLI.
public struct SettingsRejected: UserFacingError, Equatable {
    public let profile: String
    public let problems: [FieldProblem]

    public var kind: ErrorKind { .validation }
    public var fields: [FieldProblem] { problems }
    public var message: String {
        "cannot start the server (profile \(profile)): " + problems.map { "\($0.field) \($0.message)" }.joined(separator: "; ")
    }
}
