import Synchronization

/// New sessions per remote address: a token bucket per address, refilled at `rate` per second
/// up to `burst`. The table forgets addresses whose bucket has refilled, so it stays small.
final class ConnectionRateLimiter: Sendable {
    private struct Bucket {
        var tokens: Double
        var updated: ContinuousClock.Instant
    }

    private let rate: Double
    private let burst: Double
    private let buckets = Mutex<[String: Bucket]>([:])
    private static let pruneThreshold = 4096

    init(ratePerSecond: Double, burst: Int) {
        self.rate = max(ratePerSecond, 0)
        self.burst = Double(max(burst, 1))
    }

    /// Takes a token for `address`; nil when allowed, else whole seconds until one is free.
    func admit(_ address: String, now: ContinuousClock.Instant = .now) -> Int? {
        buckets.withLock { table in
            var bucket = table[address] ?? Bucket(tokens: burst, updated: now)
            bucket.tokens = min(burst, bucket.tokens + seconds(now - bucket.updated) * rate)
            bucket.updated = now
            if table.count >= Self.pruneThreshold { prune(&table, now: now) }
            guard bucket.tokens >= 1 else {
                table[address] = bucket
                guard rate > 0 else { return 60 }
                return max(1, Int(((1 - bucket.tokens) / rate).rounded(.up)))
            }
            bucket.tokens -= 1
            table[address] = bucket
            return nil
        }
    }

    private func prune(_ table: inout [String: Bucket], now: ContinuousClock.Instant) {
        guard rate > 0 else { return }
        table = table.filter { _, bucket in bucket.tokens + seconds(now - bucket.updated) * rate < burst }
    }

    private func seconds(_ duration: Duration) -> Double {
        let (seconds, attoseconds) = duration.components
        return Double(seconds) + Double(attoseconds) / 1e18
    }
}
