/// Settings of an Engine.IO endpoint. The defaults are the reference server's (ping every
/// 25 s, 20 s to answer, 1 MB payloads) plus the limits that keep one client from hurting the
/// others.
public struct EngineConfiguration: Sendable {
    /// The URL path, without trailing slash (clients request `path/`; both are served).
    public var path: String
    /// How often the server pings each client.
    public var pingInterval: Duration
    /// How long a client has to answer a ping before its session is closed.
    public var pingTimeout: Duration
    /// The largest message (WebSocket) or request body (polling POST) accepted, in bytes.
    /// Advertised to clients in the handshake.
    public var maxPayload: Int
    /// Open sessions allowed at once; handshakes beyond it are refused (503 / failed upgrade).
    public var maxConnections: Int
    /// New sessions per second allowed from one remote address (token bucket refill rate).
    public var connectionRatePerSecond: Double
    /// Handshakes one remote address may make in a burst before the rate applies.
    public var connectionBurst: Int
    /// Bytes a client may have waiting to be sent (queued plus handed to the socket) before it
    /// is disconnected as too slow. Progress updates for the same subject are coalesced first.
    public var clientBufferLimit: Int
    /// Bytes handed to a WebSocket before further packets wait in the coalescing queue.
    public var writeWindow: Int
    /// How long an upgrading client may take between the probe and the upgrade packet.
    public var upgradeTimeout: Duration
    /// How long a closing WebSocket waits for the client's close frame before dropping the TCP
    /// connection.
    public var closeTimeout: Duration
    /// Packets per polling response (python-engineio refuses payloads of more than 16).
    public var maxPacketsPerPoll: Int

    public init(
        path: String = "/socket.io",
        pingInterval: Duration = .seconds(25),
        pingTimeout: Duration = .seconds(20),
        maxPayload: Int = 1_000_000,
        maxConnections: Int = 20_000,
        connectionRatePerSecond: Double = 20,
        connectionBurst: Int = 40,
        clientBufferLimit: Int = 1 << 20,
        writeWindow: Int = 64 << 10,
        upgradeTimeout: Duration = .seconds(10),
        closeTimeout: Duration = .seconds(5),
        maxPacketsPerPoll: Int = 16
    ) {
        self.path = path
        self.pingInterval = pingInterval
        self.pingTimeout = pingTimeout
        self.maxPayload = maxPayload
        self.maxConnections = maxConnections
        self.connectionRatePerSecond = connectionRatePerSecond
        self.connectionBurst = connectionBurst
        self.clientBufferLimit = clientBufferLimit
        self.writeWindow = writeWindow
        self.upgradeTimeout = upgradeTimeout
        self.closeTimeout = closeTimeout
        self.maxPacketsPerPoll = maxPacketsPerPoll
    }

    /// Milliseconds, as the handshake advertises durations.
    static func milliseconds(_ duration: Duration) -> Int64 {
        let (seconds, attoseconds) = duration.components
        return seconds * 1000 + attoseconds / 1_000_000_000_000_000
    }
}
