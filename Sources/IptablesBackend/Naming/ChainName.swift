import ProxyCore
import ServiceModel

/// The name of an iptables chain: one of kube-proxy's fixed chains, or a per-service chain
/// named by kube-proxy's hash, so our chains and kube-proxy's are the same chains.
///
/// Per-service names are `KUBE-<kind>-` followed by the first 16 characters of
/// base32(SHA-256(`<service port name><protocol>`)), e.g. `ns1/svc1:p80` + `tcp` gives
/// `KUBE-SVC-XPGD46QRK7WJZT7O`; endpoint chains hash the endpoint's `ip:port` as well.
///
/// The name is held inline (iptables' 32-byte label, zero-padded), not as a `String`: a large
/// ruleset has a hundred thousand chains and twice as many jumps, and names that need no
/// allocation or reference counting make planning, comparing and writing them cheap.
public struct ChainName: Hashable, Sendable, Comparable, CustomStringConvertible {
    /// iptables' longest chain name.
    public static let maxLength = 28

    /// The name's bytes, zero-padded, as four little-endian words.
    private var words: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)

    /// A chain name from its text; `nil` when it is empty, too long, or has characters
    /// iptables-restore would split on.
    public init?(_ text: String) {
        guard !text.isEmpty, text.utf8.count <= Self.maxLength,
              text.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F && $0 != UInt8(ascii: "\"") }) else { return nil }
        self.init(trusted: text)
    }

    init(trusted text: String) {
        self.init(trustedBytes: text.utf8)
    }

    init(trustedBytes bytes: some Collection<UInt8>) {
        precondition(bytes.count <= Self.maxLength, "chain name longer than \(Self.maxLength) bytes")
        withUnsafeMutableBytes(of: &words) { storage in
            for (index, byte) in bytes.enumerated() { storage[index] = byte }
        }
    }

    /// The number of bytes in the name.
    public var count: Int {
        // The first zero byte, found a word at a time: names are ASCII, so a byte's high bit
        // is set in `(w - 0x01…01) & ~w & 0x80…80` exactly where the byte is zero (and for
        // no byte before the first zero).
        func zeroBytePosition(_ word: UInt64) -> Int? {
            let zeros = (word &- 0x0101_0101_0101_0101) & ~word & 0x8080_8080_8080_8080
            return zeros == 0 ? nil : UInt64(littleEndian: zeros).trailingZeroBitCount / 8
        }
        if let position = zeroBytePosition(UInt64(littleEndian: words.0)) { return position }
        if let position = zeroBytePosition(UInt64(littleEndian: words.1)) { return 8 + position }
        if let position = zeroBytePosition(UInt64(littleEndian: words.2)) { return 16 + position }
        return 24 + (zeroBytePosition(UInt64(littleEndian: words.3)) ?? 8)
    }

    /// Writes the name's 32 padded bytes at `destination` and returns the name's length:
    /// the bytes past it are zeros for the caller to write over.
    func store(to destination: UnsafeMutableRawPointer) -> Int {
        destination.storeBytes(of: words.0, as: UInt64.self)
        (destination + 8).storeBytes(of: words.1, as: UInt64.self)
        (destination + 16).storeBytes(of: words.2, as: UInt64.self)
        (destination + 24).storeBytes(of: words.3, as: UInt64.self)
        return count
    }

    /// Calls `body` with the name's bytes (no terminating zero).
    public func withUTF8<Result>(_ body: (UnsafeRawBufferPointer) throws -> Result) rethrows -> Result {
        let count = count
        return try withUnsafeBytes(of: words) { storage in
            try body(UnsafeRawBufferPointer(rebasing: storage[..<count]))
        }
    }

    public var description: String {
        withUTF8 { String(decoding: $0, as: UTF8.self) }
    }

    /// The same hash under another kind's prefix: `KUBE-SVC-X` → `KUBE-EXT-X`.
    func replacingPrefix(_ old: StaticString, with new: StaticString) -> ChainName {
        var result = ChainName(trustedBytes: EmptyCollection())
        let count = count
        withUnsafeBytes(of: words) { source in
            withUnsafeMutableBytes(of: &result.words) { output in
                new.withUTF8Buffer { output.copyMemory(from: UnsafeRawBufferPointer($0)) }
                let rest = count - old.utf8CodeUnitCount
                precondition(new.utf8CodeUnitCount + rest <= Self.maxLength,
                             "chain name longer than \(Self.maxLength) bytes")
                UnsafeMutableRawBufferPointer(rebasing: output[new.utf8CodeUnitCount...])
                    .copyMemory(from: UnsafeRawBufferPointer(rebasing: source[old.utf8CodeUnitCount..<count]))
            }
        }
        return result
    }

    /// Whether the name starts with `prefix`.
    public func hasPrefix(_ prefix: String) -> Bool {
        withUTF8 { $0.starts(with: prefix.utf8) }
    }

    public static func == (lhs: ChainName, rhs: ChainName) -> Bool {
        lhs.words.0 == rhs.words.0 && lhs.words.1 == rhs.words.1 && lhs.words.2 == rhs.words.2
            && lhs.words.3 == rhs.words.3
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(words.0)
        hasher.combine(words.1)
        hasher.combine(words.2)
        hasher.combine(words.3)
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

    /// The number of hash characters in a per-service chain name (what `Base32.encodeSixteen`
    /// writes).
    static let hashLength = 16

    /// `prefix` followed by the hash. Input and digest stay on the stack: planning hashes
    /// once per endpoint, so this runs a hundred thousand times in a large cluster.
    static func hashed(_ prefix: StaticString, _ name: ServicePortName, suffix: String = "") -> ChainName {
        var namespace = name.service.namespace, service = name.service.name, port = name.port
        var suffix = suffix
        var protocolName = name.protocol.lowercaseName
        let capacity = namespace.utf8.count + service.utf8.count + port.utf8.count + suffix.utf8.count + 8
        return withUnsafeTemporaryAllocation(byteCount: capacity, alignment: 8) { buffer in
            var input = UnsafeMutableRawBufferPointer(rebasing: buffer[..<capacity])
            namespace.withUTF8 { input.append($0) }
            input.append(UInt8(ascii: "/"))
            service.withUTF8 { input.append($0) }
            if !port.isEmpty {
                input.append(UInt8(ascii: ":"))
                port.withUTF8 { input.append($0) }
            }
            protocolName.withUTF8 { input.append($0) }
            suffix.withUTF8 { input.append($0) }
            let count = capacity - input.count
            return hashed(prefix, digestOf: UnsafeRawBufferPointer(rebasing: buffer[..<count]))
        }
    }

    /// `prefix` followed by the first ``hashLength`` base32 characters of the SHA-256 of
    /// `input`: how every hashed chain name is made, ours and kube-proxy's.
    static func hashed(_ prefix: StaticString, digestOf input: UnsafeRawBufferPointer) -> ChainName {
        var digest: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)
        withUnsafeMutableBytes(of: &digest) { NameDigest.sha256(input, into: $0) }
        var name = ChainName(trustedBytes: EmptyCollection())
        withUnsafeMutableBytes(of: &name.words) { storage in
            prefix.withUTF8Buffer { storage.copyMemory(from: UnsafeRawBufferPointer($0)) }
            withUnsafeBytes(of: digest) {
                Base32.encodeSixteen($0, into: storage.baseAddress! + prefix.utf8CodeUnitCount)
            }
        }
        return name
    }

    /// Byte order, which is text order for these ASCII names.
    public static func < (lhs: ChainName, rhs: ChainName) -> Bool {
        if lhs.words.0 != rhs.words.0 { return lhs.words.0.byteSwapped < rhs.words.0.byteSwapped }
        if lhs.words.1 != rhs.words.1 { return lhs.words.1.byteSwapped < rhs.words.1.byteSwapped }
        if lhs.words.2 != rhs.words.2 { return lhs.words.2.byteSwapped < rhs.words.2.byteSwapped }
        return lhs.words.3.byteSwapped < rhs.words.3.byteSwapped
    }
}

extension UnsafeMutableRawBufferPointer {
    /// Writes `bytes` at the start and moves the start past them.
    fileprivate mutating func append(_ bytes: UnsafeBufferPointer<UInt8>) {
        copyMemory(from: UnsafeRawBufferPointer(bytes))
        self = UnsafeMutableRawBufferPointer(rebasing: self[bytes.count...])
    }

    fileprivate mutating func append(_ byte: UInt8) {
        self[0] = byte
        self = UnsafeMutableRawBufferPointer(rebasing: self[1...])
    }
}

extension ChainName: Codable {
    /// Encoded as its text.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        guard let name = ChainName(text) else {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "not a chain name: \(text)")
        }
        self = name
    }
}
