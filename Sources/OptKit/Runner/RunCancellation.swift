import Synchronization

/// Asks a run to stop. Whoever decides (a signal handler, the server's cancel endpoint, the
/// lease heartbeat that sees another process's cancel mark) calls `cancel`; the run notices
/// between steps and calibration batches, removes its partial output and ends the session
/// cancelled with the first reason given.
public final class RunCancellation: Sendable {
    private let state = Mutex<String?>(nil)

    public init() {}

    public func cancel(reason: String) {
        state.withLock { if $0 == nil { $0 = reason } }
    }

    /// The reason, once cancelled.
    public var reason: String? { state.withLock { $0 } }

    /// Throws `RunCancelled` once cancelled (or when the task itself is cancelled).
    func check() throws(RunCancelled) {
        if let reason { throw RunCancelled(reason: reason) }
        if Task.isCancelled { throw RunCancelled(reason: "the run was stopped") }
    }
}

/// Thrown inside a run to unwind to the point where the session is ended as cancelled.
struct RunCancelled: Error {
    let reason: String
}
