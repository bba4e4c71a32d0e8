import ServiceModel

/// A named verdict map keyed by destination address, protocol and port
/// (`ipv4_addr . inet_proto . inet_service : verdict`) or by protocol and port alone
/// (`inet_proto . inet_service : verdict`).
public struct NftMap: Hashable, Sendable {
    public enum Key: Hashable, Sendable {
        case addressProtocolPort
        case protocolPort
    }

    /// One entry: the key, the verdict, and kube-proxy's comment (the service port's name,
    /// on the no-endpoint maps).
    public struct Element: Hashable, Sendable {
        /// `nil` in a ``Key/protocolPort`` map.
        public var address: IPAddress?
        public var `protocol`: L4Protocol
        public var port: Int
        public var verdict: NftVerdict
        public var comment: String?

        public init(address: IPAddress? = nil, protocol: L4Protocol, port: Int, verdict: NftVerdict,
                    comment: String? = nil) {
            self.address = address
            self.protocol = `protocol`
            self.port = port
            self.verdict = verdict
            self.comment = comment
        }

        /// What the map looks the element up by; one element per key.
        public var key: ElementKey { ElementKey(address: address, protocol: `protocol`, port: port) }

        /// The key as nft writes it: `172.30.0.41 . tcp . 80`, `tcp . 3001`.
        public var keyText: String {
            let rest = "\(`protocol`.lowercaseName) . \(port)"
            return address.map { "\($0) . " + rest } ?? rest
        }
    }

    /// An element's key: destination address (in a ``Key/addressProtocolPort`` map),
    /// protocol and port.
    public struct ElementKey: Hashable, Sendable {
        public var address: IPAddress?
        public var `protocol`: L4Protocol
        public var port: Int
    }

    public var name: String
    public var key: Key
    public var comment: String?
    public var elements: [Element]

    public init(_ name: String, key: Key, comment: String? = nil, elements: [Element] = []) {
        self.name = name
        self.key = key
        self.comment = comment
        self.elements = elements
    }
}
