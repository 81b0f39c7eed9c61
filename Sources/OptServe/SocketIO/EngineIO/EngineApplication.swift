import Hummingbird

/// What runs on top of Engine.IO: Socket.IO, or the conformance server's echo.
public protocol EngineApplication: Sendable {
    /// A session was opened; returns the object that receives its messages. Called before the
    /// handshake is sent, so packets sent from here follow the handshake.
    func open(_ session: EngineSession) -> any EngineSessionHandler
}

/// Receives one session's messages.
public protocol EngineSessionHandler: AnyObject, Sendable {
    /// A message from the client. Messages arrive one at a time, in order; the next is read
    /// only when this returns. Throwing closes the session as a protocol error.
    func received(_ message: EngineMessage) async throws
    /// The session ended; called once.
    func closed(_ reason: EngineCloseReason)
}

/// The request that opened a session.
public struct EngineHandshake: Sendable {
    /// Query parameters of the opening request (EIO, transport, t and the client's own).
    public var query: [String: String]
    public var headers: HTTPFields
    /// The peer's IP address, when the server knows it.
    public var remoteAddress: String?

    public init(query: [String: String] = [:], headers: HTTPFields = [:], remoteAddress: String? = nil) {
        self.query = query
        self.headers = headers
        self.remoteAddress = remoteAddress
    }
}

/// Why a session ended.
public enum EngineCloseReason: Equatable, Sendable, CustomStringConvertible {
    /// The client sent a close packet or closed its WebSocket.
    case clientClosed
    /// The transport broke (connection lost).
    case transportError
    /// The client did not answer a ping within pingTimeout.
    case pingTimeout
    /// The layer above gave up waiting (for example no Socket.IO CONNECT in time).
    case handshakeTimeout
    /// The client sent something the protocol does not allow.
    case protocolError(String)
    /// The client fell too far behind (its buffer overflowed).
    case slowClient
    /// The server asked the session to end.
    case serverClosed
    /// The server is shutting down.
    case serverShutdown

    public var description: String {
        switch self {
        case .clientClosed: "client close"
        case .transportError: "transport error"
        case .pingTimeout: "ping timeout"
        case .handshakeTimeout: "handshake timeout"
        case .protocolError(let detail): "protocol error: \(detail)"
        case .slowClient: "client buffer overflow"
        case .serverClosed: "server close"
        case .serverShutdown: "server shutdown"
        }
    }
}
