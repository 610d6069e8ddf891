import NIOCore
import Testing

@testable import SIEMHTTP

/// The limiter driven directly with its own clock: arithmetic and the bounded table.
@Suite struct TokenBucketLimiterTests {
    @Test func bucketArithmetic() {
        let limiter = TokenBucketLimiter<Int>(rate: 2, burst: 3, maxKeys: 100)
        for _ in 0..<3 { #expect(limiter.acquire(1, now: 10) == .admitted) }
        #expect(limiter.acquire(1, now: 10) == .limited(retryAfter: 1))
        // Half a token after 0.25 s is not enough; a whole one after 0.5 s is.
        #expect(limiter.acquire(1, now: 10.25) == .limited(retryAfter: 1))
        #expect(limiter.acquire(1, now: 10.5) == .admitted)
        #expect(limiter.acquire(1, now: 10.5) == .limited(retryAfter: 1))
        // Other clients have their own bucket; an idle one refills to the burst, not beyond.
        #expect(limiter.acquire(2, now: 10.5) == .admitted)
        for _ in 0..<3 { #expect(limiter.acquire(1, now: 100) == .admitted) }
        #expect(limiter.acquire(1, now: 100) == .limited(retryAfter: 1))

        let slow = TokenBucketLimiter<Int>(rate: 0.1, burst: 1, maxKeys: 100)
        #expect(slow.acquire(1, now: 0) == .admitted)
        #expect(slow.acquire(1, now: 1) == .limited(retryAfter: 9))
    }

    @Test func tableStaysBoundedUnderAFloodOfAddresses() {
        let limiter = TokenBucketLimiter<ClientAddress>(rate: 1, burst: 5, maxKeys: 10_000)
        var largest = 0
        // 100,000 distinct sources within one second: nothing has refilled, so eviction is by age.
        for index in 0..<100_000 {
            #expect(limiter.acquire(.v4(UInt32(index)), now: Double(index) / 100_000) == .admitted)
            largest = max(largest, limiter.trackedKeys)
        }
        #expect(largest <= 10_000)
        #expect(limiter.trackedKeys > 5_000)
        // The most recent sources kept their state: their bucket is not fresh.
        for _ in 0..<4 { #expect(limiter.acquire(.v4(99_999), now: 1) == .admitted) }
        #expect(limiter.acquire(.v4(99_999), now: 1) == .limited(retryAfter: 1))
    }

    @Test func refilledBucketsAreEvictedFirst() {
        let limiter = TokenBucketLimiter<Int>(rate: 1, burst: 2, maxKeys: 100)
        for key in 0..<100 { #expect(limiter.acquire(key, now: 0) == .admitted) }
        #expect(limiter.trackedKeys == 100)
        // Key 7 is throttled and recent; the others have been idle long enough to refill.
        #expect(limiter.acquire(7, now: 1.5) == .admitted)
        #expect(limiter.acquire(7, now: 1.5) == .admitted)
        #expect(limiter.acquire(1_000, now: 2.2) == .admitted)
        #expect(limiter.trackedKeys == 2)
        #expect(limiter.acquire(7, now: 2.2) == .limited(retryAfter: 1))
    }

    @Test func ipv6ClientsAreKeyedByTheirSlash64() throws {
        let first = ClientAddress(try SocketAddress(ipAddress: "2001:db8:1:2::1", port: 1))
        let sameNetwork = ClientAddress(try SocketAddress(ipAddress: "2001:db8:1:2:ffff::9", port: 2))
        let otherNetwork = ClientAddress(try SocketAddress(ipAddress: "2001:db8:1:3::1", port: 1))
        #expect(first == sameNetwork)
        #expect(first != otherNetwork)
        let mapped = ClientAddress(try SocketAddress(ipAddress: "::ffff:10.0.0.5", port: 1))
        #expect(mapped == ClientAddress(try SocketAddress(ipAddress: "10.0.0.5", port: 9)))
        #expect(mapped != ClientAddress(try SocketAddress(ipAddress: "10.0.0.6", port: 9)))
        #expect(ClientAddress(nil) == .unknown)
    }
}
