import NIOCore
import OptKit
import Synchronization

/// A namespace: its connected sockets and their rooms. Rooms live on the server only;
/// nothing about them is on the wire.
public final class SocketIONamespace: Sendable {
    public let name: String
    let handler: any SocketIONamespaceHandler
    private let state = Mutex(Members())

    private struct Members {
        var sockets: [String: SocketIOSocket] = [:]
        /// Room name -> socket id -> socket.
        var rooms: [String: [String: SocketIOSocket]] = [:]
    }

    public init(name: String, handler: any SocketIONamespaceHandler) {
        self.name = name
        self.handler = handler
    }

    /// Sockets connected now.
    public var socketCount: Int { state.withLock { $0.sockets.count } }

    /// Sockets connected now.
    public var sockets: [SocketIOSocket] { state.withLock { Array($0.sockets.values) } }

    func add(_ socket: SocketIOSocket) {
        state.withLock { $0.sockets[socket.id] = socket }
    }

    /// Removes the socket and its room memberships.
    func remove(_ socket: SocketIOSocket) {
        let rooms = socket.rooms.withLock { rooms in
            defer { rooms.removeAll() }
            return rooms
        }
        state.withLock { members in
            members.sockets[socket.id] = nil
            for room in rooms {
                members.rooms[room]?[socket.id] = nil
                if members.rooms[room]?.isEmpty == true { members.rooms[room] = nil }
            }
        }
    }

    func join(_ socket: SocketIOSocket, _ room: String) {
        state.withLock { members in
            // A socket that already left (its connection closed meanwhile) joins nothing.
            guard members.sockets[socket.id] === socket else { return }
            members.rooms[room, default: [:]][socket.id] = socket
            socket.rooms.withLock { _ = $0.insert(room) }
        }
    }

    func leave(_ socket: SocketIOSocket, _ room: String) {
        state.withLock { members in
            members.rooms[room]?[socket.id] = nil
            if members.rooms[room]?.isEmpty == true { members.rooms[room] = nil }
            socket.rooms.withLock { _ = $0.remove(room) }
        }
    }

    /// Members of a room now.
    public func sockets(in room: String) -> [SocketIOSocket] {
        state.withLock { Array(($0.rooms[room] ?? [:]).values) }
    }

    // MARK: - Emitting

    /// Sends an event to every socket in any of `rooms` (each socket once), or to every socket
    /// of the namespace when `rooms` is nil. The packet is encoded once for all recipients.
    /// `coalescingKey` lets a newer packet with the same key replace this one while it still
    /// waits for a slow client. Returns how many sockets it was queued for.
    @discardableResult
    public func emit(
        _ event: String, jsonArguments: [String], toRooms rooms: [String]? = nil, coalescingKey: String? = nil
    ) -> Int {
        let frames = Self.eventPacket(event, jsonArguments: jsonArguments, namespace: name, attachments: []).frames()
        let recipients = state.withLock { members -> [SocketIOSocket] in
            guard let rooms else { return Array(members.sockets.values) }
            if rooms.count == 1 { return Array((members.rooms[rooms[0]] ?? [:]).values) }
            var seen: [String: SocketIOSocket] = [:]
            for room in rooms {
                for (id, socket) in members.rooms[room] ?? [:] { seen[id] = socket }
            }
            return Array(seen.values)
        }
        var broadcast = EngineBroadcast()
        for socket in recipients {
            broadcast.send(frames, to: socket.session, coalescingKey: coalescingKey)
        }
        broadcast.run()
        return recipients.count
    }

    static func eventPacket(_ event: String, jsonArguments: [String], namespace: String, attachments: [ByteBuffer]) -> SocketIOPacket {
        var data = "[" + JSONText.quoted(event)
        for argument in jsonArguments {
            data += ","
            data += argument
        }
        data += "]"
        return SocketIOPacket(
            kind: attachments.isEmpty ? .event : .binaryEvent, namespace: namespace, data: data, attachments: attachments)
    }
}
