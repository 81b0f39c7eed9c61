import Foundation
import Hummingbird
import Testing

@testable import OptServe

@Suite struct RateLimitTests {
    @Test func aUserPastTheBurstGets429WithRetryAfter() async throws {
        let fixture = try await Fixture(adjust: { $0.userRateLimit = RateLimit(rate: 1.0 / 60, burst: 3) })
        try await fixture.test { client in
            let token = try await client.token(for: "eve")
            let headers: HTTPFields = [.authorization: "Bearer \(token)"]
            for _ in 0..<3 {
                #expect(try await client.request(.get, "/dashboard/stats", headers: headers).status == .ok)
            }
            let refused = try await client.request(.get, "/dashboard/stats", headers: headers)
            #expect(refused.status == .tooManyRequests)
            #expect(try refused.errorCode() == "rate_limited")
            let retryAfter = try #require(refused.headers[.retryAfter].flatMap(Int.init))
            #expect((50...60).contains(retryAfter))
            // Another user has a bucket of their own.
            let other = try await client.request(.get, "/dashboard/stats", headers: [.authorization: "Bearer \(try await client.token(for: "vic"))"])
            #expect(other.status == .ok)
        }
    }

    @Test func requestsWithoutATokenAreLimitedPerAddress() async throws {
        let fixture = try await Fixture(adjust: { $0.ipRateLimit = RateLimit(rate: 1.0 / 3600, burst: 2) })
        try await fixture.test { client in
            #expect(try await client.request(.post, "/auth/token", json: #"{"username": "eve", "password": "wrong password"}"#).status == .unauthorized)
            #expect(try await client.request(.get, "/health").status == .ok)
            let refused = try await client.request(.post, "/auth/token", json: #"{"username": "eve", "password": "wrong password"}"#)
            #expect(refused.status == .tooManyRequests)
            #expect((3500...3600).contains(refused.headers[.retryAfter].flatMap(Int.init) ?? 0))
            // Invalid tokens are charged to the address as well.
            let forged = try await client.request(.get, "/dashboard/stats", headers: [.authorization: "Bearer not-a-token"])
            #expect(forged.status == .tooManyRequests)
        }
    }

    @Test func bucketsRefillAtTheirRate() {
        let time = TestClock()
        let limiter = RateLimiter(clock: { time.now })
        let limit = RateLimit(rate: 2, burst: 2)
        #expect(limiter.take("a", limit: limit) == nil)
        #expect(limiter.take("a", limit: limit) == nil)
        #expect(limiter.take("a", limit: limit) == 1)
        time.advance(0.5)
        #expect(limiter.take("a", limit: limit) == nil)
        #expect(limiter.take("a", limit: limit) == 1)
    }

    @Test func idleBucketsAreDroppedPastTheThreshold() {
        let time = TestClock()
        let limiter = RateLimiter(sweepThreshold: 10, clock: { time.now })
        let limit = RateLimit(rate: 1, burst: 1)
        for index in 0..<10 { _ = limiter.take("ip:\(index)", limit: limit) }
        time.advance(5)
        _ = limiter.take("ip:new", limit: limit)
        _ = limiter.take("ip:another", limit: limit)
        #expect(limiter.bucketCount <= 2)
    }
}

final class TestClock: Sendable {
    private let value = Mutex(1000.0)
    var now: Double { value.withLock { $0 } }
    func advance(_ seconds: Double) { value.withLock { $0 += seconds } }
}

import Synchronization
