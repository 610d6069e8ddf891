import NIOConcurrencyHelpers

/// Token buckets per key (a client address): each holds up to `burst` tokens, refilled at `rate`
/// per second; a request takes one token or is refused with the seconds until one is back.
///
/// The table is bounded: at `maxKeys`, buckets that have refilled completely are dropped (they
/// carry no state a fresh bucket would not) and, if that frees less than a quarter, the least
/// recently seen ones too, so a flood of source addresses costs bounded memory and amortized
/// O(log n) work per new address.
public final class TokenBucketLimiter<Key: Hashable & Sendable>: Sendable {
    public enum Decision: Sendable, Equatable {
        case admitted
        /// Refused; a token is back after this many whole seconds (at least 1).
        case limited(retryAfter: Int)
    }

    struct Bucket {
        var tokens: Double
        var updated: Double
    }

    public let rate: Double
    public let burst: Double
    public let maxKeys: Int
    private let buckets: NIOLockedValueBox<[Key: Bucket]>

    public init(rate: Double, burst: Int, maxKeys: Int) {
        precondition(rate > 0 && burst >= 1 && maxKeys >= 1)
        self.rate = rate
        self.burst = Double(burst)
        self.maxKeys = maxKeys
        buckets = NIOLockedValueBox([:])
    }

    /// Takes a token from `key`'s bucket at `now` (seconds on a monotonic clock).
    public func acquire(_ key: Key, now: Double) -> Decision {
        buckets.withLockedValue { buckets in
            var bucket: Bucket
            if let existing = buckets[key] {
                bucket = existing
                let elapsed = max(0, now - bucket.updated)
                bucket.tokens = min(burst, bucket.tokens + elapsed * rate)
            } else {
                if buckets.count >= maxKeys { evict(from: &buckets, now: now) }
                bucket = Bucket(tokens: burst, updated: now)
            }
            bucket.updated = now
            let decision: Decision
            if bucket.tokens >= 1 {
                bucket.tokens -= 1
                decision = .admitted
            } else {
                let seconds = ((1 - bucket.tokens) / rate).rounded(.up)
                decision = .limited(retryAfter: max(1, Int(min(seconds, 86_400))))
            }
            buckets[key] = bucket
            return decision
        }
    }

    /// How many keys the table holds.
    public var trackedKeys: Int { buckets.withLockedValue { $0.count } }

    /// Drops refilled buckets, then the least recently seen ones until a quarter of the table is
    /// free, so the next sweep is at least `maxKeys / 4` new keys away.
    private func evict(from buckets: inout [Key: Bucket], now: Double) {
        let refillTime = burst / rate
        buckets = buckets.filter { now - $0.value.updated < refillTime }
        let keep = maxKeys - max(1, maxKeys / 4)
        guard buckets.count > keep else { return }
        let newest = buckets.sorted { $0.value.updated > $1.value.updated }.prefix(keep)
        buckets = Dictionary(uniqueKeysWithValues: newest.map { ($0.key, $0.value) })
    }
}
