import NIOCore
import OptKit
import Synchronization

/// The Socket.IO side of one Engine.IO session: decodes packets (joining binary attachments to
/// their header), and routes them to the namespaces the client connected to.
final class SocketIOClient: EngineSessionHandler {
    let session: EngineSession
    let server: SocketIOServer
    private let state = Mutex(State())

    private struct State {
        var sockets: [String: SocketIOSocket] = [:]
        /// A binary packet waiting for its attachments.
        var pending: SocketIOPacket.Header?
        var closed = false
    }

    /// A packet the client may not send; the session is closed for it.
    struct ProtocolViolation: Error, CustomStringConvertible {
        let description: String
    }

    init(session: EngineSession, server: SocketIOServer) {
        self.session = session
        self.server = server
    }

    func received(_ message: EngineMessage) async throws {
        let complete: SocketIOPacket.Header?
        switch message {
        case .text(let text):
            let header: SocketIOPacket.Header
            do {
                header = try SocketIOPacket.decode(text)
            } catch {
                throw ProtocolViolation(description: error.description)
            }
            complete = try state.withLock { s -> SocketIOPacket.Header? in
                guard s.pending == nil else {
                    throw ProtocolViolation(description: "text packet while binary attachments were expected")
                }
                if header.expectedAttachments > 0 {
                    s.pending = header
                    return nil
                }
                return header
            }
        case .binary(let data):
            complete = try state.withLock { s -> SocketIOPacket.Header? in
                guard var pending = s.pending else {
                    throw ProtocolViolation(description: "binary message without a packet expecting it")
                }
                pending.packet.attachments.append(data)
                if pending.packet.attachments.count == pending.expectedAttachments {
                    s.pending = nil
                    return pending
                }
                s.pending = pending
                return nil
            }
        }
        if let complete { try await dispatch(complete) }
    }

    private func dispatch(_ header: SocketIOPacket.Header) async throws {
        let packet = header.packet
        let socket = state.withLock { $0.sockets[packet.namespace] }
        switch packet.kind {
        case .connect:
            guard socket == nil else { return }  // already connected: nothing to do
            await connect(namespace: packet.namespace, auth: header.payload ?? .object([:]))
        case .disconnect:
            guard let socket else { return }
            if forget(socket) {
                socket.namespace.remove(socket)
                socket.namespace.handler.disconnected(socket, reason: .clientNamespaceDisconnect)
            }
        case .event, .binaryEvent:
            guard let socket else {
                throw ProtocolViolation(description: "event for namespace \(packet.namespace) before connecting to it")
            }
            guard case .array(let items)? = header.payload, case .string(let name)? = items.first else { return }
            let ack = packet.id.map { SocketIOAcknowledgement(id: $0, namespace: packet.namespace, session: session) }
            let event = SocketIOEvent(name: name, arguments: Array(items.dropFirst()), attachments: packet.attachments, ack: ack)
            await socket.namespace.handler.received(event, from: socket)
        case .ack, .binaryAck:
            // The server asks for no acknowledgements, so an ACK from a client has nothing to
            // answer; it is ignored like an unknown callback id.
            guard socket != nil else {
                throw ProtocolViolation(description: "ACK for namespace \(packet.namespace) before connecting to it")
            }
        case .connectError:
            throw ProtocolViolation(description: "CONNECT_ERROR from a client")
        }
    }

    private func connect(namespace name: String, auth: JSONValue) async {
        guard let namespace = server.namespaces[name] else {
            session.send(
                SocketIOPacket(kind: .connectError, namespace: name, data: #"{"message":"Invalid namespace"}"#).frames())
            return
        }
        let handshake = SocketIOHandshake(namespace: name, auth: auth, engine: session.handshake)
        switch await namespace.handler.authorize(handshake) {
        case .refuse(let message, let data):
            var error: [String: JSONValue] = ["message": .string(message)]
            if let data { error["data"] = data }
            session.send(SocketIOPacket(kind: .connectError, namespace: name, data: JSONText.string(.object(error))).frames())
        case .accept(let context):
            let socket = SocketIOSocket(id: EngineServer.makeID(), namespace: namespace, context: context, client: self)
            let added = state.withLock { s -> Bool in
                guard !s.closed, s.sockets[name] == nil else { return false }
                s.sockets[name] = socket
                return true
            }
            guard added else { return }
            namespace.add(socket)
            session.setHandshakeDeadline(nil)
            session.send(
                SocketIOPacket(kind: .connect, namespace: name, data: "{\"sid\":\(JSONText.quoted(socket.id))}").frames())
            await namespace.handler.connected(socket)
        }
    }

    /// Drops the socket from this client; false when it was already gone.
    func forget(_ socket: SocketIOSocket) -> Bool {
        state.withLock { s in
            guard s.sockets[socket.namespace.name] === socket else { return false }
            s.sockets[socket.namespace.name] = nil
            return true
        }
    }

    func closed(_ reason: EngineCloseReason) {
        let sockets = state.withLock { s -> [SocketIOSocket] in
            s.closed = true
            s.pending = nil
            defer { s.sockets.removeAll() }
            return Array(s.sockets.values)
        }
        for socket in sockets {
            socket.namespace.remove(socket)
            socket.namespace.handler.disconnected(socket, reason: .transportClosed(reason))
        }
    }
}
