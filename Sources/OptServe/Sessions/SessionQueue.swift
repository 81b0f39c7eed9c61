import Foundation
import Logging
import OptKit
import ServiceLifecycle
import Synchronization

/// The server's bounded worker pool. POST /optimization/sessions stores a pending session and
/// submits it here; at most `workers` run at once, the rest wait (still pending, visible to
/// every client) up to `capacity`, past which submissions are refused with 503 so the queue
/// cannot grow without bound.
///
/// The waiting sessions are leased to this server (`holder`, the holder they were created
/// with): one task renews their leases every `renewInterval`, so no other optctl process takes
/// a session that merely waits for a worker for abandoned while the server lives. Once a worker
/// takes a session, the runner keeps its lease.
///
/// Runs as a service of the application: on shutdown, running sessions are cancelled (the
/// runner ends them) and sessions still waiting are marked failed with error_type
/// `interrupted`, so nothing stays pending forever.
public final class SessionQueue: Service, Sendable {
    let runner: any SessionRunning
    let sessions: any SessionStore
    let workers: Int
    let capacity: Int
    let holder: LeaseHolder
    let renewInterval: Duration
    let metrics: ServerMetrics?
    /// Told the waiting and running counts whenever they change (the real-time channel's
    /// run-queue alert).
    let onLoadChange: @Sendable (_ waiting: Int, _ running: Int) -> Void
    let logger: Logger
    private let stream: AsyncStream<SessionJob>
    private let continuation: AsyncStream<SessionJob>.Continuation
    private let counts = Mutex((waiting: 0, running: 0, closed: false))
    /// The ids of submitted sessions no worker has taken yet: the ones whose lease this queue renews.
    private let waitingIDs = Mutex(Set<String>())

    public init(
        runner: any SessionRunning, sessions: any SessionStore, workers: Int, capacity: Int,
        holder: LeaseHolder = .current, renewInterval: Duration = .seconds(LeaseHolder.renewInterval),
        metrics: ServerMetrics? = nil, logger: Logger = Logger(label: "optctl.serve.queue"),
        onLoadChange: @escaping @Sendable (_ waiting: Int, _ running: Int) -> Void = { _, _ in }
    ) {
        self.runner = runner
        self.sessions = sessions
        self.workers = max(1, workers)
        self.capacity = capacity
        self.holder = holder
        self.renewInterval = renewInterval
        self.metrics = metrics
        self.onLoadChange = onLoadChange
        self.logger = logger
        (stream, continuation) = AsyncStream<SessionJob>.makeStream()
    }

    /// Sessions waiting for a worker and sessions running now.
    public var load: (waiting: Int, running: Int) {
        counts.withLock { ($0.waiting, $0.running) }
    }

    /// Reserves a place before the session is created, so a full queue refuses the request
    /// without leaving a session behind. Balance with `submit` or `release`.
    func reserve() throws(APIError) {
        let accepted = counts.withLock { counts -> Bool in
            guard !counts.closed, counts.waiting < capacity + availableWorkers(counts) else { return false }
            counts.waiting += 1
            return true
        }
        guard accepted else {
            throw APIError.serviceUnavailable(
                "the run queue is full (\(capacity) sessions waiting); retry later", retryAfter: 30,
                details: .object(["queue_capacity": .number(Double(capacity))]))
        }
        updateGauges()
    }

    func release() {
        counts.withLock { $0.waiting -= 1 }
        updateGauges()
    }

    func submit(_ job: SessionJob) {
        waitingIDs.withLock { _ = $0.insert(job.sessionID) }
        continuation.yield(job)
    }

    /// Idle workers count as room too: with capacity 0 a session is accepted only when a
    /// worker can take it at once.
    private func availableWorkers(_ counts: (waiting: Int, running: Int, closed: Bool)) -> Int {
        max(0, workers - counts.running)
    }

    private func updateGauges() {
        let (waiting, running) = load
        metrics?.queuePending.set(Double(waiting))
        metrics?.workersBusy.set(Double(running))
        onLoadChange(waiting, running)
    }

    public func run() async throws {
        let leases = Task { await renewLeases() }
        defer { leases.cancel() }
        await withGracefulShutdownHandler {
            await withTaskGroup(of: Void.self) { group in
                var running = 0
                for await job in stream {
                    if running == workers {
                        await group.next()
                        running -= 1
                    }
                    waitingIDs.withLock { _ = $0.remove(job.sessionID) }
                    if Task.isCancelled || counts.withLock({ $0.closed }) {
                        await abandon(job)
                        continue
                    }
                    counts.withLock {
                        $0.waiting -= 1
                        $0.running += 1
                    }
                    updateGauges()
                    running += 1
                    group.addTask {
                        // A session cancelled while it waited is not started.
                        if let session = try? await self.sessions.session(id: job.sessionID), session.status == .pending {
                            await self.runner.run(job)
                        }
                        self.counts.withLock { $0.running -= 1 }
                        self.updateGauges()
                    }
                }
                group.cancelAll()
            }
        } onGracefulShutdown: {
            self.close()
        }
    }

    /// Every `renewInterval` until cancelled, extends the leases of the waiting sessions. A
    /// failed renewal is logged and retried at the next beat (a lease outlives several).
    private func renewLeases() async {
        while !Task.isCancelled {
            let ids = waitingIDs.withLock { $0.sorted() }
            if !ids.isEmpty {
                do {
                    _ = try await sessions.renewLease(
                        holder: holder, sessions: ids, until: Date().addingTimeInterval(LeaseHolder.duration))
                } catch {
                    logger.warning("could not renew the leases of waiting sessions", metadata: ["error": .string("\(error)")])
                }
            }
            try? await Task.sleep(for: renewInterval)
        }
    }

    /// Stops accepting work; the jobs already queued are drained as abandoned.
    func close() {
        counts.withLock { $0.closed = true }
        continuation.finish()
    }

    private func abandon(_ job: SessionJob) async {
        counts.withLock { $0.waiting -= 1 }
        updateGauges()
        do {
            try await sessions.apply(
                .fail(type: .interrupted, message: "the server stopped before the session started", outcome: nil), to: job.sessionID)
        } catch {
            logger.warning("could not mark an abandoned session interrupted", metadata: [
                "session_id": .string(job.sessionID), "error": .string("\(error)"),
            ])
        }
    }
}
