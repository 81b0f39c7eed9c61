import Foundation
import Logging
import OptKit

/// The default namespace of the real-time channel: token check on CONNECT, `subscribe` and
/// `unsubscribe` with acknowledgements, and the rooms that decide who receives what.
///
/// Rooms: `session:<id>` (subscribers of one session: progress and lifecycle), `sessions:all`
/// (admins and viewers: every lifecycle event), `user:<name>` (an engineer: lifecycle events
/// of their own sessions).
struct RealtimeNamespaceHandler: SocketIONamespaceHandler {
    let verifier: any RealtimeTokenVerifier
    let sessions: any SessionStore
    let status: SystemStatusReporter
    let logger: Logger

    static func room(session id: String) -> String { "session:" + id }
    static let everySessionRoom = "sessions:all"
    static func room(user: String) -> String { "user:" + user }

    func authorize(_ handshake: SocketIOHandshake) async -> SocketIOAuthorization {
        guard case .string(let token)? = handshake.auth["token"], !token.isEmpty else {
            return .refuse(
                message: "authentication required: connect with auth {\"token\": \"<access token>\"}",
                data: .object(["code": .string("unauthorized")]))
        }
        do {
            let identity = try await verifier.identity(forToken: token)
            if let expiry = identity.expiresAt, expiry <= Date() {
                return .refuse(message: "token expired", data: .object(["code": .string("unauthorized")]))
            }
            return .accept(context: identity)
        } catch {
            return .refuse(message: error.message, data: .object(["code": .string("unauthorized")]))
        }
    }

    func connected(_ socket: SocketIOSocket) async {
        guard let identity = socket.context as? RealtimeIdentity else { return }
        socket.join(AccessPolicy.readsEverySession(identity.role) ? Self.everySessionRoom : Self.room(user: identity.user))
        logger.debug("socket.io client connected", metadata: ["user": .string(identity.user), "sid": .string(socket.id)])
        // The dashboard can draw its status bar at once instead of waiting for the next tick.
        if let payload = await status.currentPayload() {
            socket.emit("system_status", jsonArguments: [payload], coalescingKey: "system_status")
        }
    }

    func received(_ event: SocketIOEvent, from socket: SocketIOSocket) async {
        guard let identity = socket.context as? RealtimeIdentity else { return }
        switch event.name {
        case "subscribe":
            let reply = await subscribe(event.arguments.first, socket: socket, identity: identity)
            event.ack?.send(json: "[" + reply + "]")
        case "unsubscribe":
            guard let id = Self.sessionID(event.arguments.first) else {
                event.ack?.send(json: "[" + Self.refusal("validation_error", "expected {\"session_id\": \"<id>\"}") + "]")
                return
            }
            socket.leave(Self.room(session: id))
            event.ack?.send(json: "[{\"ok\":true}]")
        default:
            event.ack?.send(json: "[" + Self.refusal("validation_error", "unknown event \(event.name); expected subscribe or unsubscribe") + "]")
        }
    }

    func disconnected(_ socket: SocketIOSocket, reason: SocketIODisconnectReason) {
        logger.debug("socket.io client disconnected", metadata: ["sid": .string(socket.id), "reason": .string(reason.description)])
    }

    /// Joins the session's room when the identity may see it; the answer carries the session
    /// as the store has it now, so a client that reconnects is up to date at once.
    private func subscribe(_ argument: JSONValue?, socket: SocketIOSocket, identity: RealtimeIdentity) async -> String {
        guard let id = Self.sessionID(argument) else {
            return Self.refusal("validation_error", "expected {\"session_id\": \"<id>\"}")
        }
        let session: Session
        do {
            session = try await sessions.session(id: id)
        } catch is NotFound {
            return Self.refusal("not_found", "no session with id '\(id)'")
        } catch {
            logger.warning("subscribe could not read the session", metadata: ["session_id": .string(id), "error": .string("\(error)")])
            return Self.refusal("service_unavailable", "the session store is unavailable; try again")
        }
        guard identity.maySee(sessionOwnedBy: session.owner) else {
            return Self.refusal("forbidden", "session \(id) belongs to another user")
        }
        socket.join(Self.room(session: id))
        return "{\"ok\":true,\"session\":" + JSONCoding.string(session) + "}"
    }

    static func sessionID(_ argument: JSONValue?) -> String? {
        guard case .string(let id)? = argument?["session_id"], !id.isEmpty, id.utf8.count <= 200 else { return nil }
        return id
    }

    /// An ack refusal: the REST error code (contracts.md) and a message.
    static func refusal(_ code: String, _ message: String) -> String {
        "{\"error\":\(JSONText.quoted(code)),\"message\":\(JSONText.quoted(message)),\"ok\":false}"
    }
}
