import NIOCore
import OptKit

/// The behaviour of one namespace: who may connect, and what its events do.
public protocol SocketIONamespaceHandler: Sendable {
    /// Decides a CONNECT. Accepting attaches `context` to the socket (the user, say); refusing
    /// answers CONNECT_ERROR with the message and data.
    func authorize(_ handshake: SocketIOHandshake) async -> SocketIOAuthorization
    /// The socket is connected (its CONNECT answer is already queued).
    func connected(_ socket: SocketIOSocket) async
    /// An event from the client. Events of one client arrive one at a time, in order.
    func received(_ event: SocketIOEvent, from socket: SocketIOSocket) async
    /// The socket left: the client disconnected the namespace, the connection ended, or the
    /// server disconnected it.
    func disconnected(_ socket: SocketIOSocket, reason: SocketIODisconnectReason)
}

/// What a client presented when it connected to a namespace.
public struct SocketIOHandshake: Sendable {
    public var namespace: String
    /// The CONNECT payload (`{}` when the client sent none).
    public var auth: JSONValue
    /// The Engine.IO handshake (query, headers, remote address).
    public var engine: EngineHandshake
}

public enum SocketIOAuthorization: Sendable {
    case accept(context: any Sendable)
    case refuse(message: String, data: JSONValue?)
}

/// An event received from a client.
public struct SocketIOEvent: Sendable {
    public var name: String
    /// The arguments after the name, binary values still as placeholders.
    public var arguments: [JSONValue]
    /// The binary attachments the placeholders refer to.
    public var attachments: [ByteBuffer]
    /// Present when the client asked for an acknowledgement.
    public var ack: SocketIOAcknowledgement?
}

/// Answers one event's acknowledgement request (once; later calls are ignored by clients).
public struct SocketIOAcknowledgement: Sendable {
    let id: Int
    let namespace: String
    let session: EngineSession

    /// Sends the ACK with `arguments` as JSON values.
    public func send(_ arguments: [JSONValue], attachments: [ByteBuffer] = []) {
        send(json: JSONText.string(.array(arguments)), attachments: attachments)
    }

    /// Sends the ACK with an already encoded JSON array.
    public func send(json array: String, attachments: [ByteBuffer] = []) {
        let packet = SocketIOPacket(
            kind: attachments.isEmpty ? .ack : .binaryAck, namespace: namespace, id: id, data: array,
            attachments: attachments)
        session.send(packet.frames())
    }
}

public enum SocketIODisconnectReason: Equatable, Sendable, CustomStringConvertible {
    /// The client sent DISCONNECT for the namespace.
    case clientNamespaceDisconnect
    /// The server disconnected the socket.
    case serverNamespaceDisconnect
    /// The Engine.IO session ended.
    case transportClosed(EngineCloseReason)

    public var description: String {
        switch self {
        case .clientNamespaceDisconnect: "client namespace disconnect"
        case .serverNamespaceDisconnect: "server namespace disconnect"
        case .transportClosed(let reason): reason.description
        }
    }
}
