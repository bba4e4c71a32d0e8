import ServiceModel

/// The objects a proxy follows, kept up to date one change at a time, and joined into
/// service ports only for the Services a change touched.
///
/// Services and slices are stored as the API sends them; a slice is indexed by the
/// Service it names, so a slice change costs the join of one Service, not of the cluster.
public struct ClusterState: Sendable {
    /// The local node's name: endpoints on it are local, and only its Node is kept.
    public let nodeName: String
    public private(set) var services: [NamespacedName: Service] = [:]
    public private(set) var node: Node?
    private var serviceCIDRs: [String: ServiceCIDR] = [:]
    private var slices: [NamespacedName: EndpointSlice] = [:]
    private var slicesByService: [NamespacedName: Set<NamespacedName>] = [:]
    /// The service ports last handed out for each Service, so ports that disappear are
    /// reported as removed.
    private var plannedPorts: [NamespacedName: [ServicePortName]] = [:]

    public init(nodeName: String) {
        self.nodeName = nodeName
    }

    /// What one call of ``apply(_:)`` changed.
    public struct Applied: Sendable {
        /// Services whose ports must be joined again (the Service or one of its slices changed).
        public var services: Set<NamespacedName> = []
        /// Whether the local Node changed (appeared, went, or was updated).
        public var nodeChanged = false
        /// Whether the ranges of ``ClusterState/serviceRanges`` changed.
        public var serviceRangesChanged = false
        /// How many Service changes and EndpointSlice changes the batch held.
        public var serviceChanges = 0
        public var endpointChanges = 0
        /// The `last-change-trigger-time` annotations of the slices that changed.
        public var triggerTimes: [String] = []
    }

    /// Stores `changes` in order.
    public mutating func apply(_ changes: [ObjectChange]) -> Applied {
        var applied = Applied()
        /// The ranges before the batch's first ServiceCIDR change.
        var rangesBefore: [IPPrefix]?
        for change in changes {
            switch change {
            case .service(let service):
                services[service.namespacedName] = service
                applied.services.insert(service.namespacedName)
                applied.serviceChanges += 1
            case .serviceDeleted(let name):
                services[name] = nil
                applied.services.insert(name)
                applied.serviceChanges += 1
            case .endpointSlice(let slice):
                applied.endpointChanges += 1
                if let time = slice.metadata.annotations[Self.triggerTimeAnnotation] { applied.triggerTimes.append(time) }
                let key = slice.metadata.namespacedName
                removeSlice(key, into: &applied)
                guard slice.isProxied, let service = slice.serviceName else { continue }
                slices[key] = slice
                slicesByService[service, default: []].insert(key)
                applied.services.insert(service)
            case .endpointSliceDeleted(let key):
                applied.endpointChanges += 1
                removeSlice(key, into: &applied)
            case .node(let node):
                guard node.name == nodeName else { continue }
                applied.nodeChanged = applied.nodeChanged || self.node != node
                self.node = node
            case .nodeDeleted(let name):
                guard name == nodeName, node != nil else { continue }
                node = nil
                applied.nodeChanged = true
            case .serviceCIDR(let serviceCIDR):
                rangesBefore = rangesBefore ?? serviceRanges
                serviceCIDRs[serviceCIDR.metadata.name] = serviceCIDR
            case .serviceCIDRDeleted(let name):
                rangesBefore = rangesBefore ?? serviceRanges
                serviceCIDRs[name] = nil
            }
        }
        if let rangesBefore { applied.serviceRangesChanged = serviceRanges != rangesBefore }
        return applied
    }

    /// Every range of every ServiceCIDR, each once, in order: what kube-proxy hands its
    /// proxier, whatever the objects' status says.
    public var serviceRanges: [IPPrefix] {
        Set(serviceCIDRs.values.flatMap(\.cidrs)).sorted()
    }

    private mutating func removeSlice(_ key: NamespacedName, into applied: inout Applied) {
        guard let old = slices.removeValue(forKey: key), let service = old.serviceName else { return }
        slicesByService[service]?.remove(key)
        if slicesByService[service]?.isEmpty == true { slicesByService[service] = nil }
        applied.services.insert(service)
    }

    /// The new state of the service ports of `changed` Services, and the ports that are gone.
    public mutating func servicePorts(of changed: Set<NamespacedName>)
        -> (changed: [ServicePortEndpoints], removed: [ServicePortName]) {
        var entries: [ServicePortEndpoints] = []
        var removed: [ServicePortName] = []
        for name in changed.sorted() {
            var ports: [ServicePortEndpoints] = []
            if let service = services[name], service.isProxied {
                ports = ServiceCatalog.servicePorts(of: service, slices: slices(of: name), localNodeName: nodeName)
            }
            let now = Set(ports.map(\.name))
            removed += (plannedPorts[name] ?? []).filter { !now.contains($0) }
            plannedPorts[name] = ports.isEmpty ? nil : ports.map(\.name)
            entries += ports
        }
        return (entries, removed)
    }

    /// Every proxied service port, joined: the input of a full plan. Afterwards, changes
    /// are reported against these ports.
    public mutating func catalog() -> ServiceCatalog {
        let catalog = joined()
        plannedPorts = [:]
        for entry in catalog.servicePorts {
            plannedPorts[entry.name.service, default: []].append(entry.name)
        }
        return catalog
    }

    /// Every proxied service port as the state is now, for a planner that must plan every
    /// port again (``IncrementalPlanner/update(_:removed:allPorts:)``).
    public func allServicePorts() -> [ServicePortEndpoints] {
        joined().servicePorts
    }

    private func joined() -> ServiceCatalog {
        ServiceCatalog(services: Array(services.values), endpointSlices: Array(slices.values), localNodeName: nodeName)
    }

    private func slices(of service: NamespacedName) -> [EndpointSlice] {
        (slicesByService[service] ?? []).compactMap { slices[$0] }
    }

    /// Set by the EndpointSlice controller: when the change that led to this slice's
    /// state happened (for network programming latency).
    public static let triggerTimeAnnotation = "endpoints.kubernetes.io/last-change-trigger-time"
}
