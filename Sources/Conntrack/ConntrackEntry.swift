import ServiceModel

/// One connection the kernel tracks, as far as cleanup needs it: where the first packet was
/// sent (the original tuple) and who answers (the reply source: the endpoint after DNAT).
public struct ConntrackEntry: Hashable, Sendable, CustomStringConvertible {
    public var `protocol`: L4Protocol
    public var originalSource: IPAddress
    public var originalSourcePort: Int
    public var originalDestination: IPAddress
    public var originalDestinationPort: Int
    public var replySource: IPAddress
    /// The conntrack zone (0 unless something else sorts connections into zones).
    public var zone: Int

    public init(protocol: L4Protocol, originalSource: IPAddress, originalSourcePort: Int, originalDestination: IPAddress,
                originalDestinationPort: Int, replySource: IPAddress, zone: Int = 0) {
        self.protocol = `protocol`
        self.originalSource = originalSource
        self.originalSourcePort = originalSourcePort
        self.originalDestination = originalDestination
        self.originalDestinationPort = originalDestinationPort
        self.replySource = replySource
        self.zone = zone
    }

    public var family: IPFamily { originalDestination.family }

    /// As the `conntrack` tool prints the fields cleanup reads.
    public var description: String {
        "\(`protocol`.lowercaseName) src=\(originalSource) dst=\(originalDestination) sport=\(originalSourcePort) "
            + "dport=\(originalDestinationPort) reply-src=\(replySource)"
    }
}
