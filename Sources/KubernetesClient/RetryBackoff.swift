/// How long a watcher waits before trying again after a failure, as client-go's
/// reflector waits: 0.8 s, doubling to at most 30 s, back to the start after a success;
/// a server's `Retry-After` is honoured when it asks for longer.
public struct RetryBackoff: Sendable, Equatable {
    public var initial: Duration
    public var maximum: Duration
    /// The wait before the next attempt.
    public private(set) var next: Duration

    public init(initial: Duration = .milliseconds(800), maximum: Duration = .seconds(30)) {
        self.initial = initial
        self.maximum = maximum
        next = initial
    }

    /// The wait for a failure now, doubling the one after it. `retryAfter` is the server's
    /// `Retry-After`, in seconds.
    public mutating func failure(retryAfter: Int? = nil) -> Duration {
        let wait = max(next, .seconds(retryAfter ?? 0))
        next = min(next * 2, maximum)
        return wait
    }

    /// A success: the next failure waits the initial time again.
    public mutating func success() {
        next = initial
    }
}
