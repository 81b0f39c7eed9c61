import NIOCore
import OptKit
import Synchronization

/// One client's connection to one namespace.
public final class SocketIOSocket: Sendable {
    /// The Socket.IO id sent in the CONNECT answer (new for every connection and namespace).
    public let id: String
    public let namespace: SocketIONamespace
    /// What the namespace handler attached when it accepted the connection.
    public let context: any Sendable
    let client: SocketIOClient
    let rooms = Mutex<Set<String>>([])

    init(id: String, namespace: SocketIONamespace, context: any Sendable, client: SocketIOClient) {
        self.id = id
        self.namespace = namespace
        self.context = context
        self.client = client
    }

    var session: EngineSession { client.session }

    /// The Engine.IO handshake of the client.
    public var handshake: EngineHandshake { session.handshake }

    /// Sends an event with arguments already encoded as JSON values (each one JSON text).
    public func emit(_ event: String, jsonArguments: [String] = [], attachments: [ByteBuffer] = [], coalescingKey: String? = nil) {
        session.send(
            SocketIONamespace.eventPacket(event, jsonArguments: jsonArguments, namespace: namespace.name, attachments: attachments)
                .frames(),
            coalescingKey: coalescingKey)
    }

    /// Sends an event with arguments as JSON values.
    public func emit(_ event: String, _ arguments: [JSONValue], attachments: [ByteBuffer] = []) {
        emit(event, jsonArguments: arguments.map(JSONText.string), attachments: attachments)
    }

    public func join(_ room: String) { namespace.join(self, room) }
    public func leave(_ room: String) { namespace.leave(self, room) }
    public var joinedRooms: Set<String> { rooms.withLock { $0 } }

    /// Disconnects the socket from its namespace (the client gets DISCONNECT; its Engine.IO
    /// connection stays open for other namespaces).
    public func disconnect() {
        guard client.forget(self) else { return }
        session.send(SocketIOPacket(kind: .disconnect, namespace: namespace.name).frames())
        namespace.remove(self)
        namespace.handler.disconnected(self, reason: .serverNamespaceDisconnect)
    }
}
