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

    /// The zone label before `topology.kubernetes.io/zone`.
    public static let legacyZoneLabel = "failure-domain.beta.kubernetes.io/zone"

    public var metadata: ObjectMeta
    public var podCIDRs: [IPPrefix]
    public var addresses: [Address]

    public init(metadata: ObjectMeta, podCIDRs: [IPPrefix] = [], addresses: [Address] = []) {
        self.metadata = metadata
        self.podCIDRs = podCIDRs
        self.addresses = addresses
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
