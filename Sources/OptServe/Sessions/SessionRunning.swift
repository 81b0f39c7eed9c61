import OptKit

/// A session accepted by the server and waiting for a worker: its id (the store already holds
/// it as pending) and the criteria it runs under (stored criteria with the request's overrides).
public struct SessionJob: Sendable, Equatable {
    public var sessionID: String
    public var criteria: OptimizationCriteria

    public init(sessionID: String, criteria: OptimizationCriteria) {
        self.sessionID = sessionID
        self.criteria = criteria
    }
}

/// What the worker pool needs from the optimization pipeline: run one pending session to its
/// end (completed, failed or cancelled), writing every step and event to the store, exactly as
/// `optctl run` does. Task cancellation means the server is stopping.
public protocol SessionRunning: Sendable {
    func run(_ job: SessionJob) async
}
