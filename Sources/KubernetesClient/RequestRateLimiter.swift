import Synchronization

/// client-go's token bucket: on average `qps` requests a second, up to `burst` at once
/// (`clientConnection.qps` and `burst`). A request waits for its token.
public final class RequestRateLimiter: Sendable {
    private struct Bucket {
        var tokens: Double
        var updated: ContinuousClock.Instant
    }

    public let qps: Double
    public let burst: Int
    private let bucket: Mutex<Bucket>

    /// A `qps` of zero or less means no limit.
    public init(qps: Double, burst: Int) {
        self.qps = qps
        self.burst = max(1, burst)
        bucket = Mutex(Bucket(tokens: Double(max(1, burst)), updated: .now))
    }

    /// How long the caller must wait for a token taken now (zero when one is free).
    func reserve(now: ContinuousClock.Instant = .now) -> Duration {
        guard qps > 0 else { return .zero }
        return bucket.withLock { bucket in
            let elapsed = now - bucket.updated
            let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
            bucket.tokens = min(Double(burst), bucket.tokens + seconds * qps)
            bucket.updated = now
            bucket.tokens -= 1
            return bucket.tokens >= 0 ? .zero : .nanoseconds(Int64(-bucket.tokens / qps * 1e9))
        }
    }

    /// Waits for a token.
    public func acquire() async throws {
        let wait = reserve()
        if wait > .zero { try await Task.sleep(for: wait) }
    }
}
