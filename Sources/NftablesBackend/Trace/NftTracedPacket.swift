import ServiceModel

/// The first packet of a new connection, as the tracer follows it through the table.
public struct NftTracedPacket: Hashable, Sendable {
    /// Where the packet comes from.
    public enum Origin: Hashable, Sendable {
        /// Sent by a process of this node: it passes the output hooks.
        case thisNode
        /// Arriving on an interface (a pod's veth, the node's uplink): it passes prerouting.
        case arriving(interface: String)
    }

    public var source: IPAddress
    public var destination: IPAddress
    public var destinationPort: Int
    public var `protocol`: L4Protocol
    public var origin: Origin

    public init(source: IPAddress, destination: IPAddress, destinationPort: Int, protocol: L4Protocol = .tcp,
                origin: Origin) {
        self.source = source
        self.destination = destination
        self.destinationPort = destinationPort
        self.protocol = `protocol`
        self.origin = origin
    }
}
