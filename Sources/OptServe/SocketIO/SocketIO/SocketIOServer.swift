import Logging

/// Socket.IO v5 on top of an Engine.IO endpoint: namespaces, CONNECT with auth, events,
/// acknowledgements and binary attachments.
public final class SocketIOServer: EngineApplication {
    let namespaces: [String: SocketIONamespace]
    /// How long a new connection may take to connect to a namespace before it is closed.
    let connectTimeout: Duration
    let logger: Logger

    public init(namespaces: [SocketIONamespace], connectTimeout: Duration = .seconds(45), logger: Logger = Logger(label: "optctl.socketio")) {
        self.namespaces = Dictionary(namespaces.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        self.connectTimeout = connectTimeout
        self.logger = logger
    }

    public func namespace(_ name: String) -> SocketIONamespace? { namespaces[name] }

    public func open(_ session: EngineSession) -> any EngineSessionHandler {
        session.setHandshakeDeadline(.now + connectTimeout)
        return SocketIOClient(session: session, server: self)
    }
}
