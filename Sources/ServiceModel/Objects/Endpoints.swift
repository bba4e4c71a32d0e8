/// A legacy v1 Endpoints object. Proxies read EndpointSlices; ``mirroredSlices()`` converts
/// this object the way Kubernetes' EndpointSlice mirroring controller does.
public struct Endpoints: Hashable, Sendable {
    public struct Subset: Hashable, Sendable {
        public var addresses: [Address]
        public var notReadyAddresses: [Address]
        public var ports: [EndpointPort]

        public init(addresses: [Address] = [], notReadyAddresses: [Address] = [], ports: [EndpointPort] = []) {
            self.addresses = addresses
            self.notReadyAddresses = notReadyAddresses
            self.ports = ports
        }
    }

    public struct Address: Hashable, Sendable {
        public var ip: String
        public var hostname: String?
        public var nodeName: String?

        public init(ip: String, hostname: String? = nil, nodeName: String? = nil) {
            self.ip = ip
            self.hostname = hostname
            self.nodeName = nodeName
        }
    }

    /// The annotation leader election used to keep on Endpoints objects, never mirrored.
    public static let leaderAnnotation = "control-plane.alpha.kubernetes.io/leader"
    /// The most endpoints mirroring copies from one subset.
    public static let maxMirroredEndpointsPerSubset = 1000
    /// The `managed-by` label value of mirrored slices.
    public static let mirroringController = "endpointslicemirroring-controller.k8s.io"

    public var metadata: ObjectMeta
    public var subsets: [Subset]

    public init(metadata: ObjectMeta, subsets: [Subset] = []) {
        self.metadata = metadata
        self.subsets = subsets
    }

    /// The Service these endpoints belong to (same namespace and name).
    public var serviceName: NamespacedName {
        metadata.namespacedName
    }

    /// Whether mirroring skips this object: labelled `endpointslice.kubernetes.io/skip-mirror:
    /// "true"`, or a leader-election lock.
    public var skipsMirroring: Bool {
        metadata.labels[WellKnownLabel.skipMirror] == "true" || metadata.annotations[Self.leaderAnnotation] != nil
    }

    /// The EndpointSlices mirroring makes of this object: per subset and address family one
    /// slice, ready addresses with `ready: true`, not-ready ones with `ready: false`, at most
    /// 1,000 endpoints a subset; addresses that are not IPs are dropped.
    public func mirroredSlices() -> [EndpointSlice] {
        guard !skipsMirroring else { return [] }
        var slices: [EndpointSlice] = []
        for (subsetIndex, subset) in subsets.enumerated() {
            var byFamily: [IPFamily: [Endpoint]] = [:]
            var count = 0
            let all = subset.addresses.map { ($0, true) } + subset.notReadyAddresses.map { ($0, false) }
            for (address, ready) in all where count < Self.maxMirroredEndpointsPerSubset {
                guard let ip = IPAddress(address.ip) else { continue }
                byFamily[ip.family, default: []].append(Endpoint(
                    addresses: [address.ip], conditions: EndpointConditions(ready: ready),
                    nodeName: address.nodeName, hostname: address.hostname))
                count += 1
            }
            for family in IPFamily.allCases {
                guard let endpoints = byFamily[family] else { continue }
                var labels = metadata.labels
                labels[WellKnownLabel.serviceName] = metadata.name
                labels[WellKnownLabel.managedBy] = Self.mirroringController
                let suffix = family == .ipv4 ? "4" : "6"
                slices.append(EndpointSlice(
                    metadata: ObjectMeta(name: "\(metadata.name)-mirror-\(subsetIndex)-ipv\(suffix)",
                                         namespace: metadata.namespace, labels: labels),
                    addressType: family == .ipv4 ? .ipv4 : .ipv6,
                    endpoints: endpoints, ports: subset.ports))
            }
        }
        return slices
    }
}
