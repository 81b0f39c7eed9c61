import Foundation
import Logging

/// Where the platform keeps its data and who is acting.
public struct PlatformConfiguration: Sendable {
    /// The home folder: the database, shell history, secrets.
    public var home: URL
    /// The identity sessions are owned by (contracts: --user, $OPTCTL_USER, login name).
    public var user: String

    public init(home: URL, user: String) {
        self.home = home
        self.user = user
    }

    /// The home folder: `explicit` (--home), else $OPTCTL_HOME, else $XDG_DATA_HOME/optctl,
    /// else ~/.local/share/optctl.
    public static func resolveHome(explicit: String?, environment: [String: String]) -> URL {
        if let explicit, !explicit.isEmpty { return URL(fileURLWithPath: explicit) }
        if let home = environment["OPTCTL_HOME"], !home.isEmpty { return URL(fileURLWithPath: home) }
        if let data = environment["XDG_DATA_HOME"], !data.isEmpty {
            return URL(fileURLWithPath: data).appendingPathComponent("optctl")
        }
        let userHome = environment["HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? NSHomeDirectory()
        return URL(fileURLWithPath: userHome).appendingPathComponent(".local/share/optctl")
    }

    /// The acting user: `explicit` (--user), else $OPTCTL_USER, else the login name.
    public static func resolveUser(explicit: String?, environment: [String: String]) -> String {
        if let explicit, !explicit.isEmpty { return explicit }
        if let user = environment["OPTCTL_USER"], !user.isEmpty { return user }
        for key in ["USER", "LOGNAME"] {
            if let user = environment[key], !user.isEmpty { return user }
        }
        return NSUserName()
    }
}

/// The stores and services of one optctl home, shared by the CLI and the server, so that
/// `optctl stats` and `GET /dashboard/stats` run the same code.
public struct Platform: Sendable {
    public let configuration: PlatformConfiguration
    public let database: AppDatabase
    public let sessions: any SessionStore
    public let models: any ModelStore
    public let criteria: any CriteriaStore
    /// The users of `optctl serve`.
    public let users: any UserStore

    public static let databaseFileName = "optctl.sqlite"

    /// Opens the home folder (creating it if needed) and its database.
    public init(configuration: PlatformConfiguration, logger: Logger = Logger(label: "optctl")) throws {
        try Self.prepareHome(configuration.home)
        let path = configuration.home.appendingPathComponent(Self.databaseFileName).path
        self.init(configuration: configuration, database: try AppDatabase.open(path: path, logger: logger))
    }

    /// A platform over an already opened database (tests use an in-memory one).
    public init(configuration: PlatformConfiguration, database: AppDatabase) {
        self.init(
            configuration: configuration, database: database, sessions: SQLiteSessionStore(database: database),
            models: SQLiteModelStore(database: database), criteria: SQLiteCriteriaStore(database: database),
            users: SQLiteUserStore(database: database))
    }

    /// A platform over given stores: another backend, or a store that fails on purpose in a test.
    public init(
        configuration: PlatformConfiguration, database: AppDatabase, sessions: any SessionStore, models: any ModelStore,
        criteria: any CriteriaStore, users: any UserStore
    ) {
        self.configuration = configuration
        self.database = database
        self.sessions = sessions
        self.models = models
        self.criteria = criteria
        self.users = users
    }

    static func prepareHome(_ home: URL) throws(StoreFailure) {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: home.path, isDirectory: &isDirectory) {
            guard isDirectory.boolValue else {
                throw StoreFailure(message: "home \(home.path) is a file, expected a folder (set --home or OPTCTL_HOME)")
            }
            return
        }
        do {
            try FileManager.default.createDirectory(at: home, withIntermediateDirectories: true)
        } catch {
            throw StoreFailure(message: "cannot create home folder \(home.path): \(error.localizedDescription)")
        }
    }

    // MARK: - Services shared by the CLI and the server

    /// Fails, as interrupted, the sessions whose process died (contracts.md: only once their
    /// lease has expired, never while their process is alive). Every optctl process calls this
    /// when it opens the store; a server also calls it periodically. A failure here is logged,
    /// not thrown: it must not stop the command the user asked for.
    @discardableResult
    public func recoverAbandonedSessions(logger: Logger = Logger(label: "optctl")) async -> [Session] {
        do {
            let recovered = try await sessions.recoverAbandoned(now: Timestamp.now())
            for session in recovered {
                logger.notice("session interrupted: its process stopped", metadata: ["session_id": .string(session.id)])
            }
            return recovered
        } catch {
            logger.warning("could not check for interrupted sessions: \(error.localizedDescription)")
            return []
        }
    }

    /// Dashboard statistics. When one source fails the other's figures are still returned,
    /// with a warning naming what is missing (the seed's partial-data rule).
    public func dashboardStats() async -> DashboardStats {
        async let modelCount = Result { try await models.count() }
        async let statistics = Result { try await sessions.statistics() }
        return DashboardStats(models: await modelCount, sessions: await statistics, at: Timestamp.now())
    }

    /// Validates and stores new criteria. `expectedVersion` overrides the document's own.
    public func putCriteria(_ document: CriteriaDocument, expectedVersion: Int? = nil) async throws -> StoredCriteria {
        try CriteriaValidator.validate(document.criteria)
        return try await criteria.replace(with: document.criteria, expectedVersion: expectedVersion ?? document.expectedVersion)
    }
}

extension Result where Failure == any Error {
    init(catching body: () async throws -> Success) async {
        do {
            self = .success(try await body())
        } catch {
            self = .failure(error)
        }
    }
}
