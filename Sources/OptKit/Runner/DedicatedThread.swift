import Foundation

/// Runs CPU-bound work (model executions, benchmarks) on a thread of its own, so Swift's
/// cooperative pool (as many threads as cores) stays free for the lease heartbeat, a server's
/// requests and event delivery while a run computes for seconds at a time.
func onDedicatedThread<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        let thread = Thread { continuation.resume(with: Result { try work() }) }
        thread.stackSize = 8 << 20
        thread.start()
    }
}
