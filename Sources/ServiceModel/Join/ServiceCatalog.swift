/// A Service port with the endpoints that serve it.
public struct ServicePortEndpoints: Hashable, Sendable {
    public var name: ServicePortName
    public var service: Service
    public var port: ServicePort
    /// Deduplicated and sorted by `ip:port` text; both IP families.
    public var endpoints: [ServiceEndpoint]

    /// The endpoints of one IP family.
    public func endpoints(for family: IPFamily) -> [ServiceEndpoint] {
        Self.endpoints(endpoints, of: family)
    }

    /// The endpoints of `endpoints` in one IP family: usually all of them, and then the
    /// same array, not a copy. Read by index, so no endpoint is copied to be looked at.
    public static func endpoints(_ endpoints: [ServiceEndpoint], of family: IPFamily) -> [ServiceEndpoint] {
        for index in endpoints.indices where endpoints[index].address.family != family {
            return endpoints.filter { $0.address.family == family }
        }
        return endpoints
    }
}

/// Why a Service gets no rules.
public enum ServiceSkipReason: String, Hashable, Sendable {
    case externalName = "type ExternalName"
    case headless = "headless"
    case noClusterIP = "no cluster IP"
    case otherProxy = "labelled for another service proxy"
}

/// The join a service proxy makes: every port of every proxied Service, with the endpoints
/// of all the Service's EndpointSlices whose port has the same name and protocol.
///
/// - Slices are matched to their Service by the `kubernetes.io/service-name` label; FQDN
///   slices, slices labelled `service-proxy-name` or `headless` (which kube-proxy does not
///   watch), ports without a number and endpoints without addresses are ignored.
/// - An endpoint's first address is used; its family must be the slice's.
/// - An `ip:port` in more than one slice is kept once: the first by slice name, unless a
///   later one is on `localNodeName`, which is preferred.
/// - Legacy Endpoints objects are mirrored into slices for Services that have no
///   EndpointSlice in the input, so the two inputs give the same endpoints.
public struct ServiceCatalog: Sendable {
    /// Every port of every proxied Service, sorted by ``ServicePortName``.
    public private(set) var servicePorts: [ServicePortEndpoints] = []
    /// Services that get no rules, sorted by name.
    public private(set) var skippedServices: [(service: NamespacedName, reason: ServiceSkipReason)] = []
    private var index: [ServicePortName: Int] = [:]

    public init(services: [Service], endpointSlices: [EndpointSlice], endpoints: [Endpoints] = [],
                localNodeName: String? = nil) {
        var slicesByService: [NamespacedName: [EndpointSlice]] = [:]
        for slice in endpointSlices {
            // kube-proxy watches slices through the same label selector as Services.
            guard slice.isProxied, let service = slice.serviceName else { continue }
            slicesByService[service, default: []].append(slice)
        }
        for legacy in endpoints where slicesByService[legacy.serviceName] == nil {
            let mirrored = legacy.mirroredSlices()
            if !mirrored.isEmpty { slicesByService[legacy.serviceName] = mirrored }
        }

        for service in services.sorted(by: { $0.namespacedName < $1.namespacedName }) {
            if let reason = Self.skipReason(service) {
                skippedServices.append((service.namespacedName, reason))
                continue
            }
            servicePorts += Self.servicePorts(of: service, slices: slicesByService[service.namespacedName] ?? [],
                                              localNodeName: localNodeName)
        }
        servicePorts.sort { $0.name < $1.name }
        for (position, entry) in servicePorts.enumerated() { index[entry.name] = position }
    }

    /// The entry of one service port.
    public subscript(name: ServicePortName) -> ServicePortEndpoints? {
        index[name].map { servicePorts[$0] }
    }

    /// The number of endpoints over all service ports.
    public var endpointCount: Int {
        servicePorts.reduce(0) { $0 + $1.endpoints.count }
    }

    /// The ports of one proxied Service joined with its EndpointSlices, the same way the
    /// catalog joins them: what a proxy that follows changes one Service at a time plans
    /// again when that Service or one of its slices changes. `slices` are the Service's
    /// slices (the ones a proxy watches), in any order.
    public static func servicePorts(of service: Service, slices: [EndpointSlice],
                                    localNodeName: String?) -> [ServicePortEndpoints] {
        let slices = slices.sorted { $0.metadata.name < $1.metadata.name }
        return service.ports.map { port in
            let name = ServicePortName(service: service.namespacedName, port: port.name, protocol: port.protocol)
            return ServicePortEndpoints(name: name, service: service, port: port,
                                        endpoints: join(name, slices, localNodeName: localNodeName))
        }
    }

    /// Why a Service gets no rules, or `nil` when it is proxied.
    public static func skipReason(_ service: Service) -> ServiceSkipReason? {
        if service.type == .externalName { return .externalName }
        if service.isHeadless || service.metadata.labels[WellKnownLabel.headless] != nil { return .headless }
        if service.serviceProxyName != nil { return .otherProxy }
        if service.clusterIPs.isEmpty { return .noClusterIP }
        return nil
    }

    private static func join(_ name: ServicePortName, _ slices: [EndpointSlice], localNodeName: String?) -> [ServiceEndpoint] {
        var byKey: [String: ServiceEndpoint] = [:]
        for slice in slices {
            guard let family = slice.addressType.family else { continue }
            for port in slice.ports where port.name == name.port && port.protocol == name.protocol {
                guard let number = port.port, number != 0 else { continue }
                for endpoint in slice.endpoints {
                    guard let first = endpoint.addresses.first, let address = IPAddress(first),
                          address.family == family else { continue }
                    let hints = endpoint.hints
                    let joined = ServiceEndpoint(
                        address: address, port: number,
                        isReady: endpoint.conditions.isReady, isServing: endpoint.conditions.isServing,
                        isTerminating: endpoint.conditions.isTerminating,
                        nodeName: endpoint.nodeName, zone: endpoint.zone,
                        zoneHints: hints.flatMap { $0.forZones.isEmpty ? nil : $0.forZones },
                        nodeHints: hints.flatMap { $0.forNodes.isEmpty ? nil : $0.forNodes })
                    let isLocal = localNodeName != nil && endpoint.nodeName == localNodeName
                    if byKey[joined.description] == nil || isLocal {
                        byKey[joined.description] = joined
                    }
                }
            }
        }
        return byKey.values.sorted()
    }
}
