import ServiceModel

/// Encodes rules as kernel entries (`struct ipt_entry` / `struct ip6t_entry` followed by
/// their matches and target) exactly as iptables 1.8 does for the same text, so a rule
/// applied through libiptc and the same rule restored by `iptables-legacy-restore` are the
/// same bytes in the kernel.
///
/// Revisions: recent 1, mark 1, addrtype 1, conntrack 3, DNAT 2, MARK 2, all others 0. Jump
/// and verdict targets carry the label (`ACCEPT`, a chain name); libiptc resolves it.
/// One buffer is reused from rule to rule.
public struct EntryEncoder: Sendable {
    public let family: IPFamily
    private var writer = ByteWriter()

    public init(family: IPFamily) {
        self.family = family
        writer.bytes.reserveCapacity(1024)
    }

    /// The size of the fixed entry header: 112 bytes for IPv4, 168 for IPv6.
    public var headerSize: Int { family == .ipv4 ? 112 : 168 }

    /// Offsets inside the header.
    var targetOffsetField: Int { family == .ipv4 ? 88 : 140 }
    var nextOffsetField: Int { family == .ipv4 ? 90 : 142 }

    /// The bytes of the last encoded rule.
    public var bytes: [UInt8] { writer.bytes }

    /// Checks that `rule` of `chain` in `table` can be encoded, without encoding it: what
    /// ``encode(_:table:chain:)`` would refuse, this refuses.
    public func validate(_ rule: Rule, table: Table, chain: ChainName) throws(IptablesError) {
        var hasDestinationPort = false
        var hasProtocol = false
        for match in rule.matches {
            switch match {
            case .destinationPort: hasDestinationPort = true
            case .protocol: hasProtocol = true
            case .source(let address, _), .destination(let address, _):
                try checkFamily(address.prefix.family, rule, table, chain)
            case .comment(let text):
                guard text.utf8.count < 256, !text.utf8.contains(0) else {
                    throw .unencodable(table: table, chain: chain, rule: RestoreRenderer.text(rule),
                                       reason: "a comment holds at most 255 bytes and no NUL")
                }
            default: break
            }
        }
        if hasDestinationPort && !hasProtocol {
            throw .unencodable(table: table, chain: chain, rule: RestoreRenderer.text(rule), reason: "--dport needs a protocol match")
        }
        switch rule.target {
        case .drop? where table == .nat:
            throw .unencodable(table: table, chain: chain, rule: RestoreRenderer.text(rule),
                               reason: "DROP is not allowed in the nat table")
        case .dnat(let address, _)?:
            try checkFamily(address.family, rule, table, chain)
        default: break
        }
    }

    /// Encodes `rule` of `chain` in `table`; the result is in ``bytes``.
    public mutating func encode(_ rule: Rule, table: Table, chain: ChainName) throws(IptablesError) {
        try validate(rule, table: table, chain: chain)
        try encodeValidated(rule, table: table, chain: chain)
    }

    /// ``encode(_:table:chain:)`` for a rule ``validate(_:table:chain:)`` has accepted.
    mutating func encodeValidated(_ rule: Rule, table: Table, chain: ChainName) throws(IptablesError) {
        writer.reset()
        writer.zeros(headerSize)
        var destinationPort: Int?
        for match in rule.matches {
            if case .destinationPort(let port) = match { destinationPort = port }
        }
        for match in rule.matches {
            switch match {
            case .source(let address, let negated):
                setAddress(address.prefix, source: true, negated: negated)
            case .destination(let address, let negated):
                setAddress(address.prefix, source: false, negated: negated)
            case .inInterface(let name, let negated):
                setInInterface(name, negated: negated)
            case .protocol(let value):
                setProtocol(value)
                ExtensionEncoding.portMatch(value, destinationPort: destinationPort, into: &writer)
            case .destinationPort:
                break  // written into the protocol's match
            case .comment(let text):
                ExtensionEncoding.comment(text, into: &writer)
            case .sourceIsLocal:
                ExtensionEncoding.addrtype(source: true, into: &writer)
            case .destinationIsLocal:
                ExtensionEncoding.addrtype(source: false, into: &writer)
            case .mark(let mark, let negated):
                ExtensionEncoding.mark(mark, negated: negated, into: &writer)
            case .conntrackState(let states, let negated):
                ExtensionEncoding.conntrack(states, negated: negated, into: &writer)
            case .statistic(let probability):
                ExtensionEncoding.statistic(probability, into: &writer)
            case .recent(let name, let action):
                ExtensionEncoding.recent(name: name.description, action, into: &writer)
            }
        }
        let targetOffset = writer.count
        switch rule.target {
        case nil:
            ExtensionEncoding.standardTarget(label: "", into: &writer)
        case .jump(let target):
            ExtensionEncoding.standardTarget(label: target.description, into: &writer)
        case .accept:
            ExtensionEncoding.standardTarget(label: "ACCEPT", into: &writer)
        case .drop:
            ExtensionEncoding.standardTarget(label: "DROP", into: &writer)
        case .return:
            ExtensionEncoding.standardTarget(label: "RETURN", into: &writer)
        case .reject:
            ExtensionEncoding.reject(family: family, into: &writer)
        case .dnat(let address, let port):
            ExtensionEncoding.dnat(address, port: port, into: &writer)
        case .masquerade(let randomFully):
            ExtensionEncoding.masquerade(randomFully: randomFully, family: family, into: &writer)
        case .orMark(let bits):
            ExtensionEncoding.markTarget(mark: bits, mask: bits, into: &writer)
        case .xorMark(let bits):
            ExtensionEncoding.markTarget(mark: bits, mask: 0, into: &writer)
        }
        guard writer.count <= Int(UInt16.max) else {
            throw .unencodable(table: table, chain: chain, rule: RestoreRenderer.text(rule), reason: "the entry is too large")
        }
        writer.set(UInt16(targetOffset), at: targetOffsetField)
        writer.set(UInt16(writer.count), at: nextOffsetField)
    }

    private func checkFamily(_ found: IPFamily, _ rule: Rule, _ table: Table, _ chain: ChainName) throws(IptablesError) {
        guard found == family else {
            throw .unencodable(table: table, chain: chain, rule: RestoreRenderer.text(rule),
                               reason: "an \(found == .ipv4 ? "IPv4" : "IPv6") address in an \(family == .ipv4 ? "IPv4" : "IPv6") table")
        }
    }

    private mutating func setAddress(_ prefix: IPPrefix, source: Bool, negated: Bool) {
        let width = family == .ipv4 ? 4 : 16
        let addressOffset = source ? 0 : width
        let maskOffset = 2 * width + addressOffset
        if case .v4(let v4) = prefix.address {
            let mask: UInt32 = prefix.length == 0 ? 0 : UInt32.max << UInt32(32 - prefix.length)
            writer.setBigEndian(v4.value & mask, at: addressOffset)
            writer.setBigEndian(mask, at: maskOffset)
            if negated { setInverse(source ? 0x08 : 0x10) }
            return
        }
        let mask = prefix.maskBytes
        let address = zip(prefix.addressBytes, mask).map { $0 & $1 }
        writer.set(address, at: addressOffset)
        writer.set(mask, at: maskOffset)
        if negated { setInverse(source ? 0x08 : 0x10) }
    }

    private mutating func setInInterface(_ name: String, negated: Bool) {
        let nameOffset = family == .ipv4 ? 16 : 64
        let maskOffset = family == .ipv4 ? 48 : 96
        let wildcard = name.hasSuffix("+")
        let bytes = Array(name.utf8)
        writer.set(bytes, at: nameOffset)
        let maskLength = wildcard ? bytes.count - 1 : bytes.count + 1
        writer.set([UInt8](repeating: 0xFF, count: maskLength), at: maskOffset)
        if negated { setInverse(0x01) }
    }

    private mutating func setProtocol(_ value: L4Protocol) {
        let number = UInt16(value.ipProtocolNumber)
        if family == .ipv4 {
            writer.set(number, at: 80)
        } else {
            writer.set(number, at: 128)
            writer.set(writer.bytes[131] | 0x01, at: 131)  // IP6T_F_PROTO
        }
    }

    private mutating func setInverse(_ flag: UInt8) {
        let offset = family == .ipv4 ? 83 : 132
        writer.set(writer.bytes[offset] | flag, at: offset)
    }
}
