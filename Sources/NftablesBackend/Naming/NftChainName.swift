import ProxyCore
import ServiceModel

/// The names kube-proxy's nftables mode gives a service port's chains and sets: a prefix
/// (`service-`, `local-`, `external-`, `firewall-`, `endpoint-`, `affinity-`), the first
/// eight base32 characters of the SHA-256 of the readable part, a `-`, and the readable
/// part: `ns/svc/tcp/port`, with `__IP/PORT` for an endpoint (IPv6 colons become dots).
/// Longer than 240 characters, the base is cut to 237 and ends with `...`.
public enum NftChainName {
    /// The longest base name (nft's 256-character limit less the longest prefix).
    static let baseLengthMax = 240

    /// `service-…`: the port's endpoints for traffic policy Cluster.
    public static func clusterPolicy(_ port: ServicePortName) -> String { "service-" + base(port) }
    /// `local-…`: the port's endpoints on this node, for traffic policy Local.
    public static func localPolicy(_ port: ServicePortName) -> String { "local-" + base(port) }
    /// `external-…`: where external traffic (NodePort, external and load-balancer IPs) goes.
    public static func external(_ port: ServicePortName) -> String { "external-" + base(port) }
    /// `firewall-…`: the load balancer source ranges.
    public static func firewall(_ port: ServicePortName) -> String { "firewall-" + base(port) }
    /// `endpoint-…`: masquerade hairpin traffic and DNAT to one endpoint.
    public static func endpoint(_ port: ServicePortName, _ endpoint: ServiceEndpoint) -> String {
        "endpoint-" + base(port, endpoint)
    }
    /// The prefix of affinity set names.
    public static let affinityPrefix = "affinity-"

    /// `affinity-…`: the clients ClientIP affinity sends to one endpoint.
    public static func affinity(_ port: ServicePortName, _ endpoint: ServiceEndpoint) -> String {
        affinityPrefix + base(port, endpoint)
    }

    /// `ULMVA6XW-ns1/svc1/tcp/p80`.
    static func base(_ port: ServicePortName) -> String {
        hashed("\(port.service.namespace)/\(port.service.name)/\(port.protocol.lowercaseName)/\(port.port)")
    }

    /// `5OJB2KTY-ns1/svc1/tcp/p80__10.180.0.1/80`.
    static func base(_ port: ServicePortName, _ endpoint: ServiceEndpoint) -> String {
        let address = endpoint.address.description.replacingOccurrences(of: ":", with: ".")
        return hashed("\(port.service.namespace)/\(port.service.name)/\(port.protocol.lowercaseName)/\(port.port)__"
                      + "\(address)/\(endpoint.port)")
    }

    /// The hash, a `-` and `name`, cut to ``baseLengthMax``.
    static func hashed(_ name: String) -> String {
        var digest = (UInt64(0), UInt64(0), UInt64(0), UInt64(0))
        var characters = (UInt64(0), UInt64(0))
        var name = name
        name.withUTF8 { bytes in
            withUnsafeMutableBytes(of: &digest) { NameDigest.sha256(UnsafeRawBufferPointer(bytes), into: $0) }
        }
        withUnsafeBytes(of: digest) { digest in
            withUnsafeMutableBytes(of: &characters) { Base32.encodeSixteen(digest, into: $0.baseAddress!) }
        }
        let hash = withUnsafeBytes(of: characters) { String(decoding: $0.prefix(8), as: UTF8.self) }
        let whole = hash + "-" + name
        guard whole.utf8.count > baseLengthMax else { return whole }
        return String(decoding: whole.utf8.prefix(baseLengthMax - 3), as: UTF8.self) + "..."
    }
}
