import Logging
import OptKit
import Synchronization

/// Turns session events into Socket.IO emits.
///
/// Progress goes to the session's room only, coalesced per session for slow clients. Lifecycle
/// events go to the room and to everyone allowed to see the session: admins and viewers, and
/// the owner (an engineer).
final class EventBridge: Sendable {
    private let namespace: SocketIONamespace
    private let sessions: any SessionStore
    private let alerts: AlertMonitor
    private let logger: Logger
    /// Session id -> owner; an owner never changes, so entries never go stale.
    private let owners = Mutex<[String: String]>([:])
    private static let ownerCacheLimit = 10_000

    init(namespace: SocketIONamespace, sessions: any SessionStore, alerts: AlertMonitor, logger: Logger) {
        self.namespace = namespace
        self.sessions = sessions
        self.alerts = alerts
        self.logger = logger
    }

    func publish(_ event: SessionEvent) async {
        let id = event.sessionID
        let room = RealtimeNamespaceHandler.room(session: id)
        let payload = event.payloadJSON()
        if case .progress = event {
            namespace.emit(event.name, jsonArguments: [payload], toRooms: [room], coalescingKey: "session_progress:" + id)
            return
        }
        var rooms = [room, RealtimeNamespaceHandler.everySessionRoom]
        if let owner = await owner(of: id) {
            rooms.append(RealtimeNamespaceHandler.room(user: owner))
        }
        namespace.emit(event.name, jsonArguments: [payload], toRooms: rooms)
        switch event {
        case .completed, .cancelled: alerts.sessionEnded(failed: false)
        case .failed: alerts.sessionEnded(failed: true)
        case .started, .progress: break
        }
    }

    /// The session's owner, from the cache or the store; nil when the store cannot say (the
    /// event then reaches subscribers, admins and viewers only).
    private func owner(of id: String) async -> String? {
        if let owner = owners.withLock({ $0[id] }) { return owner }
        do {
            let owner = try await sessions.session(id: id).owner
            owners.withLock { cache in
                if cache.count >= Self.ownerCacheLimit { cache.removeAll(keepingCapacity: true) }
                cache[id] = owner
            }
            return owner
        } catch {
            logger.warning("event for a session whose owner is unknown", metadata: ["session_id": .string(id), "error": .string("\(error)")])
            return nil
        }
    }
}
