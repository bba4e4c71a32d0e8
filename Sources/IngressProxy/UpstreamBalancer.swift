import NIOCore

/// Round-robin over an upstream's endpoints with passive failure, as nginx balances:
/// each upstream keeps its own turn; an endpoint that refused or timed out is passed over
/// until its backoff ends, unless every endpoint is in backoff (then the turn decides
/// anyway, as nginx tries them all again rather than fail).
///
/// One balancer serves one event loop (nginx: one worker), so it takes no lock.
struct UpstreamBalancer {
    private var turns: [IngressUpstream.Key: Int] = [:]
    private var failedUntil: [UpstreamAddress: NIODeadline] = [:]

    /// The endpoint for the next request to `upstream`, skipping `tried` ones; `nil` when
    /// every endpoint was tried.
    mutating func pick(_ upstream: IngressUpstream, excluding tried: ShortList<UpstreamAddress> = ShortList(),
                       now: NIODeadline = .now()) -> UpstreamAddress? {
        let endpoints = upstream.endpoints
        guard !endpoints.isEmpty else { return nil }
        let start = turns[upstream.key, default: 0] % endpoints.count
        var fallback: Int?
        for step in 0..<endpoints.count {
            let index = (start + step) % endpoints.count
            let endpoint = endpoints[index]
            guard !tried.contains(endpoint) else { continue }
            if !failedUntil.isEmpty, let until = failedUntil[endpoint], until > now {
                fallback = fallback ?? index
                continue
            }
            turns[upstream.key] = index + 1
            return endpoint
        }
        guard let fallback else { return nil }
        turns[upstream.key] = fallback + 1
        return endpoints[fallback]
    }

    /// Passes `endpoint` over for `backoff` from `now`.
    mutating func failed(_ endpoint: UpstreamAddress, backoff: TimeAmount, now: NIODeadline = .now()) {
        failedUntil[endpoint] = now + backoff
    }

    /// Ends `endpoint`'s backoff: it answered.
    mutating func succeeded(_ endpoint: UpstreamAddress) {
        if !failedUntil.isEmpty { failedUntil[endpoint] = nil }
    }
}
