/// A v1 Node: the node a proxy runs on (its name, zone, pod CIDRs and addresses).
public struct Node: Hashable, Sendable {
    public enum AddressType: String, Hashable, Sendable, CaseIterable {
        case hostname = "Hostname"
        case internalIP = "InternalIP"
        case externalIP = "ExternalIP"
        case internalDNS = "InternalDNS"
        case externalDNS = "ExternalDNS"
    }

    public struct Address: Hashable, Sendable {
        public var type: AddressType
        public var address: String

        public init(type: AddressType, address: String) {
            self.type = type
            self.address = address
        }
    }

    /// A taint on the Node: only its key and effect matter to a proxy.
    public struct Taint: Hashable, Sendable {
        public var key: String
        public var value: String?
        public var effect: String

        public init(key: String, value: String? = nil, effect: String) {
            self.key = key
            self.value = value
            self.effect = effect
        }
    }

    /// The taint the cluster autoscaler puts on a Node it is about to remove.
    public static let autoscalerDeletionTaint = "ToBeDeletedByClusterAutoscaler"

    /// The zone label before `topology.kubernetes.io/zone`.
    public static let legacyZoneLabel = "failure-domain.beta.kubernetes.io/zone"

    public var metadata: ObjectMeta
    public var podCIDRs: [IPPrefix]
    public var addresses: [Address]
    /// `spec.taints`.
    public var taints: [Taint]

    public init(metadata: ObjectMeta, podCIDRs: [IPPrefix] = [], addresses: [Address] = [], taints: [Taint] = []) {
        self.metadata = metadata
        self.podCIDRs = podCIDRs
        self.addresses = addresses
        self.taints = taints
    }

    public var name: String { metadata.name }

    /// The node's topology zone, from `topology.kubernetes.io/zone` (or its beta spelling).
    public var zone: String? {
        metadata.labels[WellKnownLabel.zone] ?? metadata.labels[Self.legacyZoneLabel]
    }

    /// The node's IPs in the order a proxy picks them: InternalIP addresses, then
    /// ExternalIP addresses.
    public var nodeIPs: [IPAddress] {
        let internalIPs = addresses.filter { $0.type == .internalIP }.compactMap { IPAddress($0.address) }
        let external = addresses.filter { $0.type == .externalIP }.compactMap { IPAddress($0.address) }
        return internalIPs + external
    }

    /// The primary IP of a family: the first InternalIP of that family, else the first ExternalIP.
    public func primaryIP(for family: IPFamily) -> IPAddress? {
        nodeIPs.first { $0.family == family }
    }
}
