import Foundation

/// The process that holds (will run, or is running) a pending or running session.
///
/// Written into the session row as `host/pid/instance`; the instance is random per process so
/// a recycled pid is not mistaken for the original holder's renewals.
public struct LeaseHolder: Equatable, Hashable, Sendable, CustomStringConvertible {
    public let host: String
    public let pid: Int32
    public let instance: String

    /// How long a lease lasts without renewal; holders renew every `renewInterval`.
    public static let duration: TimeInterval = 15
    public static let renewInterval: TimeInterval = 3

    public init(host: String, pid: Int32, instance: String) {
        self.host = host
        self.pid = pid
        self.instance = instance
    }

    /// This process.
    public static let current = LeaseHolder(
        host: ProcessInfo.processInfo.hostName, pid: getpid(),
        instance: String(UUID().uuidString.lowercased().prefix(8)))

    public var description: String { "\(host)/\(pid)/\(instance)" }

    public init?(parsing text: String) {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 3, let pid = Int32(parts[1]) else { return nil }
        self.init(host: String(parts[0]), pid: pid, instance: String(parts[2]))
    }

    /// Whether the holder may still be running. On this host the process table answers; a
    /// holder on another host is presumed alive (its lease expiry decides).
    public var mayBeAlive: Bool {
        guard host == LeaseHolder.current.host else { return true }
        if pid == getpid() { return instance == LeaseHolder.current.instance }
        return kill(pid, 0) == 0 || errno == EPERM
    }
}
