import Logging
import ProxyRuntime
import ServiceModel
import Synchronization

/// Follows the API server for a node agent: Services, EndpointSlices, the local Node and,
/// where the rules use them, ServiceCIDRs, each through its own ``Reflector``. The first
/// batch waits until every collection is listed (it is the whole initial state); later
/// changes are handed on as they come.
public struct APIChangeSource: ObjectChangeSource {
    public let client: APIClient
    public let nodeName: String
    public var logger: Logger
    public var metrics: ProxyMetrics?
    /// Whether ServiceCIDRs are followed (nftables mode's rules use them).
    public var followsServiceCIDRs: Bool

    public init(client: APIClient, nodeName: String, logger: Logger, metrics: ProxyMetrics? = nil,
                followsServiceCIDRs: Bool = false) {
        self.client = client
        self.nodeName = nodeName
        self.logger = logger
        self.metrics = metrics
        self.followsServiceCIDRs = followsServiceCIDRs
    }

    /// The collections followed, in kube-proxy's order.
    public var resources: [APIResource] {
        [.services, .endpointSlices, .node(nodeName)] + (followsServiceCIDRs ? [.serviceCIDRs] : [])
    }

    public func run(deliver: @escaping @Sendable (ObjectChangeBatch) -> Void) async throws {
        let gate = InitialListGate(count: resources.count, deliver: deliver)
        logger.info("following \(client.connection.server) (\(client.connection.source))")
        try await withThrowingTaskGroup(of: Void.self) { group in
            for (index, resource) in resources.enumerated() {
                var reflector = Reflector(client: client, resource: resource, logger: logger)
                let metrics = metrics
                reflector.onRejected = { _ in metrics?.objectRejected(kind: resource.kind) }
                reflector.onRestart = { reason in metrics?.watchRestarted(resource: resource.path, reason: reason) }
                group.addTask {
                    try await reflector.run { update in
                        gate.receive(update.changes.map(Self.objectChange), from: index)
                    }
                }
            }
            try await group.next()
            group.cancelAll()
        }
    }

    static func objectChange(_ change: WatchEvent.Change) -> ObjectChange {
        switch change {
        case .set(.service(let service)): return .service(service)
        case .set(.endpointSlice(let slice)): return .endpointSlice(slice)
        case .set(.node(let node)): return .node(node)
        case .set(.serviceCIDR(let serviceCIDR)): return .serviceCIDR(serviceCIDR)
        case .removed("Service", let name): return .serviceDeleted(name)
        case .removed("EndpointSlice", let name): return .endpointSliceDeleted(name)
        case .removed("ServiceCIDR", let name): return .serviceCIDRDeleted(name.name)
        case .removed(_, let name): return .nodeDeleted(name.name)
        case .set(let other): preconditionFailure("\(other.metadata.name): a kind no reflector of this source follows")
        }
    }
}

/// Holds changes back until every collection has been listed once, then hands them on as
/// one batch; afterwards each update goes on at once.
final class InitialListGate: Sendable {
    private struct State {
        var listed: Set<Int> = []
        var held: [ObjectChange] = []
        var open = false
    }

    private let count: Int
    private let deliver: @Sendable (ObjectChangeBatch) -> Void
    private let state = Mutex(State())

    init(count: Int, deliver: @escaping @Sendable (ObjectChangeBatch) -> Void) {
        self.count = count
        self.deliver = deliver
    }

    func receive(_ changes: [ObjectChange], from index: Int) {
        let batch = state.withLock { state -> [ObjectChange]? in
            if state.open { return changes.isEmpty ? nil : changes }
            state.held += changes
            state.listed.insert(index)
            guard state.listed.count == count else { return nil }
            state.open = true
            defer { state.held = [] }
            return state.held
        }
        // The first batch goes on even when empty: an empty cluster is a known state too.
        if let batch { deliver(ObjectChangeBatch(batch)) }
    }
}
