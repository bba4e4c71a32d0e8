import ServiceModel

/// What the route table says of one request.
public enum RouteDecision: Sendable, Equatable {
    /// Send it to one of the upstream's endpoints.
    case forward(IngressRoute, IngressUpstream)
    /// No rule matches and there is no default backend: 404.
    case noRoute
    /// A rule matches, but its backend has nowhere to send the request: 503.
    case unavailable(IngressRoute, reason: String)
}
