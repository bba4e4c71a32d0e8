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
        hashed("KUBE-SVC-", name)
    }

    /// The KUBE-SVL chain of a service port: dispatch to node-local endpoints.
    public static func serviceLocal(_ name: ServicePortName) -> ChainName {
        hashed("KUBE-SVL-", name)
    }

    /// The KUBE-EXT chain of a service port: handling of traffic to external destinations.
    public static func external(_ name: ServicePortName) -> ChainName {
        hashed("KUBE-EXT-", name)
    }

    /// The KUBE-FW chain of a service port: the load balancer source-range allow-list.
    public static func firewall(_ name: ServicePortName) -> ChainName {
        hashed("KUBE-FW-", name)
    }

    /// The KUBE-SEP chain of one endpoint of a service port; `endpoint` is `ip:port`
    /// (`[ip]:port` for IPv6).
    public static func endpoint(_ name: ServicePortName, _ endpoint: String) -> ChainName {
        hashed("KUBE-SEP-", name, suffix: endpoint)
    }

    /// The number of hash characters in a per-service chain name.
    static let hashLength = 16

    /// The 16-character hash kube-proxy names a service port's chains with.
    static func hash(_ name: ServicePortName, suffix: String = "") -> String {
        hashed("", name, suffix: suffix).description
    }

    /// `prefix` followed by the hash, built in one buffer: planning hashes once per endpoint,
    /// so this runs a hundred thousand times in a large cluster.
    static func hashed(_ prefix: StaticString, _ name: ServicePortName, suffix: String = "") -> ChainName {
        var input: [UInt8] = []
        input.reserveCapacity(name.service.namespace.utf8.count + name.service.name.utf8.count
            + name.port.utf8.count + suffix.utf8.count + 8)
        input.append(contentsOf: name.service.namespace.utf8)
        input.append(UInt8(ascii: "/"))
        input.append(contentsOf: name.service.name.utf8)
        if !name.port.isEmpty {
            input.append(UInt8(ascii: ":"))
            input.append(contentsOf: name.port.utf8)
        }
        input.append(contentsOf: name.protocol.iptablesName.utf8)
        input.append(contentsOf: suffix.utf8)
        let digest = SHA256.hash(data: input)
        let text = String(unsafeUninitializedCapacity: prefix.utf8CodeUnitCount + hashLength) { buffer in
            prefix.withUTF8Buffer { _ = buffer.initialize(from: $0) }
            digest.withUnsafeBytes { bytes in
                Base32.encodePrefix(bytes, characters: hashLength,
                                    into: UnsafeMutableBufferPointer(rebasing: buffer[prefix.utf8CodeUnitCount...]))
            }
            return prefix.utf8CodeUnitCount + hashLength
        }
        return ChainName(trusted: text)
    }

    public static func < (lhs: ChainName, rhs: ChainName) -> Bool { lhs.description < rhs.description }
}
