import ServiceModel

/// A rule encoded for the kernel, with what reading it back must give.
public struct EncodedRule: Hashable, Sendable {
    public var bytes: [UInt8]
    /// The target label libiptc reports for this rule once installed.
    public var targetLabel: String

    /// Extension targets whose payload is compared byte for byte; for every other label
    /// (verdicts, chains, none) the label alone says where the rule goes, because libiptc
    /// reads jumps back as kernel offsets.
    static let extensionTargets: Set<String> = ["REJECT", "DNAT", "MASQUERADE", "MARK"]
}

extension EntryEncoder {
    /// Encodes `rule` and returns it with its label.
    public mutating func encoded(_ rule: Rule, table: Table, chain: ChainName) throws(IptablesError) -> EncodedRule {
        try encode(rule, table: table, chain: chain)
        let targetOffset = Int(bytes[targetOffsetField]) | Int(bytes[targetOffsetField + 1]) << 8
        let nameBytes = bytes[(targetOffset + 2)..<(targetOffset + 31)].prefix { $0 != 0 }
        return EncodedRule(bytes: bytes, targetLabel: String(decoding: nameBytes, as: UTF8.self))
    }
}

extension KernelEntry {
    /// Whether this installed rule is `rule`: the same address part, the same matches byte
    /// for byte, and the same target (by label, or by payload for extension targets).
    /// Counters, the kernel's hook bits and cache fields are ignored.
    public func isSame(as rule: EncodedRule) -> Bool {
        let other = rule.bytes
        let ipPart = family == .ipv4 ? 84 : 136
        let offsets = family == .ipv4 ? 88 : 140
        let header = family == .ipv4 ? 112 : 168
        guard bytes.count == other.count, bytes.count >= header, targetLabel == rule.targetLabel else { return false }
        guard bytes[0..<ipPart] == other[0..<ipPart], bytes[offsets..<(offsets + 4)] == other[offsets..<(offsets + 4)] else {
            return false
        }
        let targetOffset = Int(bytes[offsets]) | Int(bytes[offsets + 1]) << 8
        guard targetOffset <= bytes.count else { return false }
        // Matches one by one: the kernel hands back names with stale bytes after the NUL.
        var offset = header
        while offset < targetOffset {
            let size = Int(bytes[offset]) | Int(bytes[offset + 1]) << 8
            guard size >= 32, offset + size <= targetOffset, Self.sameExtension(bytes, other, at: offset, size: size) else {
                return false
            }
            offset += size
        }
        if EncodedRule.extensionTargets.contains(targetLabel) {
            return Self.sameExtension(bytes, other, at: targetOffset, size: bytes.count - targetOffset)
        }
        return true
    }

    /// Whether two `xt_entry_match`/`xt_entry_target` structures at `offset` agree: size,
    /// name up to its NUL, revision and payload.
    static func sameExtension(_ a: [UInt8], _ b: [UInt8], at offset: Int, size: Int) -> Bool {
        guard a[offset..<(offset + 2)] == b[offset..<(offset + 2)] else { return false }
        let nameA = a[(offset + 2)..<(offset + 31)].prefix { $0 != 0 }
        let nameB = b[(offset + 2)..<(offset + 31)].prefix { $0 != 0 }
        return nameA.elementsEqual(nameB) && a[offset + 31] == b[offset + 31]
            && a[(offset + 32)..<(offset + size)] == b[(offset + 32)..<(offset + size)]
    }
}
