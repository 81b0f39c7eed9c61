/// The real-time channel's settings from the server's: the protocol's own defaults (ping every
/// 25 s, 20 s to answer, 45 s to CONNECT, system_status every 10 s) and the limits the
/// OPTCTL_SOCKETIO_* variables set (docs/realtime.md).
extension RealtimeConfiguration {
    public init(settings: ServerSettings) {
        self.init(engine: EngineConfiguration(
            path: "/socket.io", maxPayload: settings.realtimeMaxPayload, maxConnections: settings.realtimeMaxConnections,
            connectionRatePerSecond: settings.realtimeConnectRate.rate, connectionBurst: settings.realtimeConnectRate.burst))
    }
}
