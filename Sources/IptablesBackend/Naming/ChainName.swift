import Crypto
import ServiceModel

/// The name of an iptables chain: one of kube-proxy's fixed chains, or a per-service chain
/// named by kube-proxy's hash, so our chains and kube-proxy's are the same chains.
///
/// Per-service names are `KUBE-<kind>-` followed by the first 16 characters of
/// base32(SHA-256(`<service port name><protocol>`)), e.g. `ns1/svc1:p80` + `tcp` gives
/// `KUBE-SVC-XPGD46QRK7WJZT7O`; endpoint chains hash the endpoint's `ip:port` as well.
public struct ChainName: Hashable, Sendable, Comparable, CustomStringConvertible {
    /// iptables' longest chain name.
    public static let maxLength = 28

    public let description: String

    /// A chain name from its text; `nil` when it is empty, too long, or has characters
    /// iptables-restore would split on.
    public init?(_ text: String) {
        guard !text.isEmpty, text.utf8.count <= Self.maxLength,
              text.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F && $0 != UInt8(ascii: "\"") }) else { return nil }
        description = text
    }

    init(trusted text: String) {
        description = text
    }

    /// The KUBE-SVC chain of a service port: dispatch to all (cluster-policy) endpoints.
    public static func service(_ name: ServicePortName) -> ChainName {
        ChainName(trusted: "KUBE-SVC-" + hash(name))
    }

    /// The KUBE-SVL chain of a service port: dispatch to node-local endpoints.
    public static func serviceLocal(_ name: ServicePortName) -> ChainName {
        ChainName(trusted: "KUBE-SVL-" + hash(name))
    }

    /// The KUBE-EXT chain of a service port: handling of traffic to external destinations.
    public static func external(_ name: ServicePortName) -> ChainName {
        ChainName(trusted: "KUBE-EXT-" + hash(name))
    }

    /// The KUBE-FW chain of a service port: the load balancer source-range allow-list.
    public static func firewall(_ name: ServicePortName) -> ChainName {
        ChainName(trusted: "KUBE-FW-" + hash(name))
    }

    /// The KUBE-SEP chain of one endpoint of a service port; `endpoint` is `ip:port`
    /// (`[ip]:port` for IPv6).
    public static func endpoint(_ name: ServicePortName, _ endpoint: String) -> ChainName {
        ChainName(trusted: "KUBE-SEP-" + hash(name, suffix: endpoint))
    }

    /// The 16-character hash kube-proxy names a service port's chains with.
    static func hash(_ name: ServicePortName, suffix: String = "") -> String {
        let input = name.description + name.protocol.iptablesName + suffix
        let digest = SHA256.hash(data: Array(input.utf8))
        return String(Base32.encode(digest).prefix(16))
    }

    public static func < (lhs: ChainName, rhs: ChainName) -> Bool { lhs.description < rhs.description }
}
