import ProxyCore
import ServiceModel

extension TracedPacket {
    /// Reads `10.96.0.10:53/udp` or `[fd00::a]:53`: the address, the port (1–65535) and the
    /// protocol (TCP when not given); `nil` when the text is not of that form.
    public static func parseDestination(_ text: some StringProtocol) -> (address: IPAddress, port: Int, protocol: L4Protocol)? {
        var rest = Substring(text)
        var proto = L4Protocol.tcp
        if let slash = rest.lastIndex(of: "/") {
            let name = rest[rest.index(after: slash)...].lowercased()
            guard let parsed = L4Protocol.allCases.first(where: { $0.lowercaseName == name }) else { return nil }
            proto = parsed
            rest = rest[..<slash]
        }
        guard let colon = rest.lastIndex(of: ":"), let port = Int(rest[rest.index(after: colon)...]),
              (1...65535).contains(port) else { return nil }
        var host = rest[..<colon]
        if host.hasPrefix("[") && host.hasSuffix("]") { host = host.dropFirst().dropLast() }
        guard let address = IPAddress(host) else { return nil }
        return (address, port, proto)
    }
}

extension TracedPacket.Entry {
    /// How a packet from one of this node's pods arrives: on the detector's bridge, on an
    /// interface with the detector's prefix (`veth0`), else on `cni0`.
    public static func pod(detector: LocalTrafficDetector?) -> Self {
        .interface(LocalTrafficDetector.podInterface(detector))
    }
}

extension Ruleset {
    /// The `-m recent` lists of the endpoint chains that DNAT to `address:port`: where
    /// ClientIP affinity remembers the clients it sent there.
    public func recentLists(forEndpoint address: IPAddress, port: Int) -> Set<ChainName> {
        let target = Target.dnat(address, port: port)
        return Set((self[.nat]?.chains ?? []).filter { $0.rules.contains { $0.target == target } }.map(\.name))
    }
}
