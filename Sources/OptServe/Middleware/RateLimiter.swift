import Foundation
import Synchronization

/// Token buckets keyed by caller ("user:NAME" or "ip:ADDRESS"). Each request takes one token;
/// tokens come back at `rate` per second up to `burst`. A refused request learns how many
/// whole seconds until a token is back (Retry-After).
final class RateLimiter: Sendable {
    private struct Bucket {
        var tokens: Double
        var updated: Double
    }

    private struct State {
        var buckets: [String: Bucket] = [:]
    }

    private let state = Mutex(State())
    private let clock: @Sendable () -> Double
    /// Past this many callers, buckets that have filled up again (idle callers) are dropped, so
    /// a stream of new addresses cannot grow memory without bound.
    private let sweepThreshold: Int

    init(sweepThreshold: Int = 10_000, clock: @escaping @Sendable () -> Double = RateLimiter.monotonicSeconds) {
        self.sweepThreshold = sweepThreshold
        self.clock = clock
    }

    static func monotonicSeconds() -> Double {
        var time = timespec()
        clock_gettime(CLOCK_MONOTONIC, &time)
        return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
    }

    /// How many callers have a bucket now.
    var bucketCount: Int { state.withLock { $0.buckets.count } }

    /// nil when the request may go ahead; otherwise the seconds to wait (at least 1).
    func take(_ key: String, limit: RateLimit) -> Int? {
        let now = clock()
        return state.withLock { state in
            var bucket = state.buckets[key] ?? Bucket(tokens: Double(limit.burst), updated: now)
            bucket.tokens = min(Double(limit.burst), bucket.tokens + (now - bucket.updated) * limit.rate)
            bucket.updated = now
            if bucket.tokens >= 1 {
                bucket.tokens -= 1
                state.buckets[key] = bucket
                if state.buckets.count > sweepThreshold { sweep(&state, now: now, limit: limit) }
                return nil
            }
            state.buckets[key] = bucket
            return max(1, Int(((1 - bucket.tokens) / limit.rate).rounded(.up)))
        }
    }

    private func sweep(_ state: inout State, now: Double, limit: RateLimit) {
        state.buckets = state.buckets.filter { _, bucket in
            bucket.tokens + (now - bucket.updated) * limit.rate < Double(limit.burst)
        }
    }
}
