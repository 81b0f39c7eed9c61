import Foundation
import GRDB

/// A bounded retry for transient database failures. SQLite already waits `busyTimeout` for a
/// lock; past that, a busy or locked database (another process holding a long write) is still
/// worth a couple more tries before a request fails. A failed transaction was rolled back, so
/// running the whole operation again is safe. Anything else is not retried.
public enum TransientRetry {
    public static let attempts = 3

    /// SQLITE_BUSY and SQLITE_LOCKED, in any of their extended forms.
    public static func isTransient(_ error: any Error) -> Bool {
        guard let error = error as? DatabaseError else { return false }
        return error.resultCode == .SQLITE_BUSY || error.resultCode == .SQLITE_LOCKED
    }

    /// Runs `operation`, again after 50 ms and 200 ms (with jitter) when it fails transiently.
    public static func run<T>(attempts: Int = TransientRetry.attempts, _ operation: () async throws -> T) async throws -> T {
        var attempt = 1
        while true {
            do {
                return try await operation()
            } catch where attempt < attempts && isTransient(error) {
                let base = 50.0 * pow(4, Double(attempt - 1))
                try await Task.sleep(for: .milliseconds(base * Double.random(in: 0.75...1.25)))
                attempt += 1
            }
        }
    }
}
