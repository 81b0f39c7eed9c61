import Foundation

/// What a new session needs; the store assigns id, status and timestamps.
public struct NewSession: Sendable {
    public var modelID: String
    public var modelName: String
    public var techniques: [String]
    public var owner: String
    /// The process that will run it; it must renew the lease until the session ends.
    public var holder: LeaseHolder?

    public init(modelID: String, modelName: String, techniques: [String], owner: String, holder: LeaseHolder? = nil) {
        self.modelID = modelID
        self.modelName = modelName
        self.techniques = techniques
        self.owner = owner
        self.holder = holder
    }
}

/// Sessions and their history. A backend keeps the dashboard counters current in the same
/// transaction as every change, and appends each change's event in that transaction too, so
/// other processes following the store see exactly what happened.
public protocol SessionStore: Sendable {
    func create(_ new: NewSession) async throws -> Session
    /// The session, or `NotFound`.
    func session(id: String) async throws -> Session
    func list(_ filter: SessionFilter) async throws -> SessionPage
    /// Applies `change` (see `Session.applying`) atomically and records its event.
    @discardableResult
    func apply(_ change: SessionChange, to id: String) async throws -> Session
    /// Session counts and averages for the dashboard, from counters, never by loading rows.
    func statistics() async throws -> SessionStatistics
    /// Extends `holder`'s lease on these sessions until `until` and returns the ids of those
    /// among them that someone asked to cancel.
    func renewLease(holder: LeaseHolder, sessions: [String], until: Date) async throws -> Set<String>
    /// Fails, as `interrupted`, every pending or running session whose lease expired before
    /// `now` and whose holder is not alive (`LeaseHolder.mayBeAlive`). Returns them.
    func recoverAbandoned(now: Date) async throws -> [Session]
}

/// Aggregates over all sessions, kept current by the store.
public struct SessionStatistics: Equatable, Sendable {
    public var countsByStatus: [SessionStatus: Int]
    /// Mean size reduction over completed sessions that carry the figure; 0 when none do.
    public var averageSizeReduction: Double
    /// Mean speed improvement over completed sessions that carry the figure; 0 when none do.
    public var averageSpeedImprovement: Double

    public init(countsByStatus: [SessionStatus: Int], averageSizeReduction: Double, averageSpeedImprovement: Double) {
        self.countsByStatus = countsByStatus
        self.averageSizeReduction = averageSizeReduction
        self.averageSpeedImprovement = averageSpeedImprovement
    }

    public func count(_ status: SessionStatus) -> Int { countsByStatus[status] ?? 0 }
    public var total: Int { countsByStatus.values.reduce(0, +) }
}

/// A session, model or other record that does not exist.
public struct NotFound: UserFacingError, Equatable {
    public let entity: String
    public let id: String

    public init(entity: String, id: String) {
        self.entity = entity
        self.id = id
    }

    public var kind: ErrorKind { .notFound }
    public var message: String { "no \(entity) with id '\(id)'" }
}
