import Foundation
import Hummingbird
import Logging
import NIOCore
import OptKit
import ServiceLifecycle
import Synchronization

/// The real-time channel at /socket.io: a Socket.IO v5 server that streams session events to
/// dashboards, with per-user visibility.
///
/// The server mounts it in three places (see docs/realtime.md):
/// - `addRoutes(to:)` on the HTTP router (long-polling, refused upgrades);
/// - `engine` in the server builder, `.engineIO([channel.engine])` (the WebSocket upgrade);
/// - as a `Service` in the application's services (follows events, heartbeats, status, and
///   closes every client on shutdown).
public final class RealtimeChannel: Service, Sendable {
    public let engine: EngineServer
    let namespace: SocketIONamespace
    private let source: any RealtimeEventSource
    private let verifier: any RealtimeTokenVerifier
    private let bridge: EventBridge
    private let alerts: AlertMonitor
    private let status: SystemStatusReporter
    private let configuration: RealtimeConfiguration
    private let logger: Logger

    /// - Parameters:
    ///   - verifier: turns the CONNECT auth token into a user and role (the REST API's JWT check).
    ///   - sessions: the session store, for subscribe snapshots, visibility and status counts.
    ///   - events: where session events come from (normally `StoreEventSource`).
    ///   - onConnectionCountChange: called with the number of open connections whenever it
    ///     changes (the connected-clients gauge of /metrics).
    public init(
        configuration: RealtimeConfiguration = RealtimeConfiguration(),
        verifier: any RealtimeTokenVerifier,
        sessions: any SessionStore,
        events: any RealtimeEventSource,
        logger: Logger = Logger(label: "optctl.realtime"),
        onConnectionCountChange: @escaping @Sendable (Int) -> Void = { _ in }
    ) {
        self.configuration = configuration
        self.source = events
        self.verifier = verifier
        self.logger = logger
        let namespaceReference = Mutex<SocketIONamespace?>(nil)
        let alerts = AlertMonitor(
            window: configuration.failureWindow, minimum: configuration.failureAlertMinimum,
            ratio: configuration.failureAlertRatio, logger: logger
        ) { alert in
            namespaceReference.withLock { $0 }?.emit("alert", jsonArguments: [alert.json])
        }
        let status = SystemStatusReporter(sessions: sessions, alerts: alerts) {
            namespaceReference.withLock { $0 }?.socketCount ?? 0
        }
        let namespace = SocketIONamespace(
            name: "/",
            handler: RealtimeNamespaceHandler(verifier: verifier, sessions: sessions, status: status, logger: logger))
        namespaceReference.withLock { $0 = namespace }
        self.namespace = namespace
        self.alerts = alerts
        self.status = status
        self.bridge = EventBridge(namespace: namespace, sessions: sessions, alerts: alerts, logger: logger)
        let socketIO = SocketIOServer(namespaces: [namespace], connectTimeout: configuration.connectTimeout, logger: logger)
        self.engine = EngineServer(
            configuration: configuration.engine, application: socketIO, logger: logger,
            onSessionCountChange: onConnectionCountChange)
    }

    // MARK: - Mounting

    /// Adds the long-polling routes at the configured path.
    public func addRoutes<Router: RouterMethods>(to router: Router) {
        engine.addRoutes(to: router)
    }

    /// The URL path the channel answers, without trailing slash (`/socket.io`).
    public var path: String { engine.configuration.path }

    // MARK: - Hooks

    /// The run queue's load, reported by the server's worker pool whenever it changes: every
    /// worker busy with `limit` sessions waiting raises `queue_saturated`, room again
    /// `queue_recovered`.
    public func reportRunQueue(waiting: Int, running: Int, workers: Int, limit: Int) {
        alerts.runQueue(waiting: waiting, running: running, workers: workers, limit: limit)
    }

    /// Whether the database answered (for example from the health check): a failure raises
    /// `database_unavailable`, the next success `database_recovered`.
    public func reportDatabase(available: Bool, detail: String? = nil) {
        alerts.database(available: available, detail: detail)
    }

    /// Socket.IO clients connected now (authenticated sockets of the default namespace).
    public var connectedClients: Int { namespace.socketCount }

    /// Sends a session event to the clients that should see it, as if the event log had
    /// delivered it (tests and benchmarks use it to bypass the store).
    public func publish(_ event: SessionEvent) async {
        await bridge.publish(event)
    }

    // MARK: - Running

    /// Runs the heartbeat, the event follower and the periodic status until the service group
    /// shuts down (or the task is cancelled), then closes every client.
    public func run() async throws {
        await cancelWhenGracefulShutdown {
            await withDiscardingTaskGroup { group in
                group.addTask { await self.engine.runHeartbeat() }
                group.addTask { await self.followEvents() }
                group.addTask { await self.broadcastStatus() }
            }
        }
        engine.closeAll(.serverShutdown)
    }

    /// Follows the event source from the newest event at start. When the store fails, raises
    /// `database_unavailable`, retries with a growing pause (up to 30 s) and resumes after the
    /// last event it delivered, so no event is lost or repeated.
    private func followEvents() async {
        var last: Int64?
        var pause = Duration.milliseconds(500)
        while !Task.isCancelled {
            do {
                if last == nil { last = try await source.latestSequence() }
                alerts.database(available: true)
                for try await stored in source.events(after: last ?? 0) {
                    last = stored.sequence
                    pause = .milliseconds(500)
                    await bridge.publish(stored.event)
                }
            } catch is CancellationError {
                return
            } catch {
                alerts.database(available: false, detail: "\(error)")
            }
            guard !Task.isCancelled else { return }
            try? await Task.sleep(for: pause)
            pause = min(pause * 2, .seconds(30))
        }
    }

    /// Sends `system_status` to every client each status interval, and disconnects sockets
    /// whose token has expired or whose user was removed or changed role.
    private func broadcastStatus() async {
        while !Task.isCancelled {
            do {
                try await Task.sleep(for: configuration.statusInterval)
            } catch {
                return
            }
            await disconnectRevoked()
            if let payload = await status.currentPayload() {
                namespace.emit("system_status", jsonArguments: [payload], coalescingKey: "system_status")
            }
        }
    }

    /// Asks the verifier once per distinct identity, however many sockets share it.
    private func disconnectRevoked() async {
        let now = Date()
        var verdicts: [RealtimeIdentity: Bool] = [:]
        for socket in namespace.sockets {
            guard let identity = socket.context as? RealtimeIdentity else { continue }
            if let expiry = identity.expiresAt, expiry <= now {
                socket.disconnect()
                continue
            }
            let key = RealtimeIdentity(user: identity.user, role: identity.role)
            let valid: Bool
            if let known = verdicts[key] {
                valid = known
            } else {
                valid = await verifier.isStillValid(key)
                verdicts[key] = valid
            }
            if !valid {
                logger.notice("socket.io client disconnected: its user was removed or changed role", metadata: ["user": .string(identity.user)])
                socket.disconnect()
            }
        }
    }
}
