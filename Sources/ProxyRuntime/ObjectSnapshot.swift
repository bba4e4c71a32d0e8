import ServiceModel

/// The objects a proxy follows as one set of manifests holds them: proxied-or-not
/// Services, the EndpointSlices (legacy Endpoints mirrored into slices for Services
/// without any), the local Node and the ServiceCIDRs. Two snapshots give the changes between them.
struct ObjectSnapshot: Sendable {
    var services: [NamespacedName: Service] = [:]
    var slices: [NamespacedName: EndpointSlice] = [:]
    var node: Node?
    var serviceCIDRs: [String: ServiceCIDR] = [:]

    init() {}

    init(_ manifests: Manifests, nodeName: String?) {
        for service in manifests.services { services[service.namespacedName] = service }
        var servicesWithSlices = Set<NamespacedName>()
        for slice in manifests.endpointSlices {
            slices[Self.key(slice)] = slice
            if let service = slice.serviceName { servicesWithSlices.insert(service) }
        }
        for legacy in manifests.endpoints where !servicesWithSlices.contains(legacy.serviceName) {
            for slice in legacy.mirroredSlices() { slices[Self.key(slice)] = slice }
        }
        node = nodeName.flatMap(manifests.node(named:))
        for serviceCIDR in manifests.serviceCIDRs { serviceCIDRs[serviceCIDR.metadata.name] = serviceCIDR }
    }

    static func key(_ slice: EndpointSlice) -> NamespacedName {
        slice.metadata.namespacedName
    }

    /// Every object as an addition: a first batch.
    var additions: [ObjectChange] {
        ObjectSnapshot().changes(to: self)
    }

    /// What turns `self` into `next`, in a stable order (Services, slices, the Node, then
    /// the ServiceCIDRs).
    func changes(to next: ObjectSnapshot) -> [ObjectChange] {
        var changes: [ObjectChange] = []
        for name in Set(services.keys).union(next.services.keys).sorted() where services[name] != next.services[name] {
            changes.append(next.services[name].map(ObjectChange.service) ?? .serviceDeleted(name))
        }
        for name in Set(slices.keys).union(next.slices.keys).sorted() where slices[name] != next.slices[name] {
            changes.append(next.slices[name].map(ObjectChange.endpointSlice) ?? .endpointSliceDeleted(name))
        }
        if node != next.node {
            if let node = next.node { changes.append(.node(node)) } else if let node { changes.append(.nodeDeleted(node.name)) }
        }
        for name in Set(serviceCIDRs.keys).union(next.serviceCIDRs.keys).sorted() where serviceCIDRs[name] != next.serviceCIDRs[name] {
            changes.append(next.serviceCIDRs[name].map(ObjectChange.serviceCIDR) ?? .serviceCIDRDeleted(name))
        }
        return changes
    }
}
