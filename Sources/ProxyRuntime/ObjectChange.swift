import ServiceModel

/// One change to the objects a proxy follows, as a watch reports it: an object added or
/// updated (its whole new state), or an object gone.
public enum ObjectChange: Sendable {
    case service(Service)
    case serviceDeleted(NamespacedName)
    case endpointSlice(EndpointSlice)
    case endpointSliceDeleted(NamespacedName)
    /// The local Node (only the Node the proxy runs on is followed).
    case node(Node)
    case nodeDeleted(String)
    /// A range cluster IPs come from (cluster-scoped, followed whole).
    case serviceCIDR(ServiceCIDR)
    case serviceCIDRDeleted(String)
}

/// A batch of changes that arrived together, with when the source learnt of them.
public struct ObjectChangeBatch: Sendable {
    public var changes: [ObjectChange]
    /// When the source received the batch; the oldest unapplied batch decides health.
    public var receivedAt: ContinuousClock.Instant

    public init(_ changes: [ObjectChange], receivedAt: ContinuousClock.Instant = .now) {
        self.changes = changes
        self.receivedAt = receivedAt
    }
}
