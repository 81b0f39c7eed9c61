/// Settings of the real-time channel at /socket.io.
public struct RealtimeConfiguration: Sendable {
    /// Transport settings: path, heartbeat, maxPayload, connection limits, client buffer.
    public var engine: EngineConfiguration
    /// How long a new connection may take to send its Socket.IO CONNECT.
    public var connectTimeout: Duration
    /// How often every client receives `system_status`.
    public var statusInterval: Duration
    /// The period over which the failure rate is measured.
    public var failureWindow: Duration
    /// Terminal sessions needed in the window before a failure rate can raise an alert.
    public var failureAlertMinimum: Int
    /// Failed share of terminal sessions in the window that raises the failure-rate alert.
    public var failureAlertRatio: Double

    public init(
        engine: EngineConfiguration = EngineConfiguration(),
        connectTimeout: Duration = .seconds(45),
        statusInterval: Duration = .seconds(10),
        failureWindow: Duration = .seconds(300),
        failureAlertMinimum: Int = 5,
        failureAlertRatio: Double = 0.5
    ) {
        self.engine = engine
        self.connectTimeout = connectTimeout
        self.statusInterval = statusInterval
        self.failureWindow = failureWindow
        self.failureAlertMinimum = failureAlertMinimum
        self.failureAlertRatio = failureAlertRatio
    }
}
