import ServiceModel
#if canImport(Glibc)
import Glibc
#endif

/// A rule encoded for the kernel, with what reading it back must give.
public struct EncodedRule: Hashable, Sendable {
    public var bytes: [UInt8]
    /// The target label libiptc reports for this rule once installed.
    public var targetLabel: String

    /// Extension targets whose payload is compared byte for byte; for every other label
    /// (verdicts, chains, none) the label alone says where the rule goes, because libiptc
    /// reads jumps back as kernel offsets.
    static let extensionTargets = ["REJECT", "DNAT", "MASQUERADE", "MARK"]
}

/// A chain's rules encoded back to back in one buffer: a large table is hundreds of
/// thousands of entries, and one allocation per chain instead of per rule keeps encoding
/// and comparing cheap.
public struct EncodedChain: Sendable {
    public private(set) var bytes: [UInt8] = []
    private var starts: [Int] = []

    public init() {}

    /// The number of rules.
    public var count: Int { starts.count }

    /// Empties the chain, keeping its buffers for the next.
    mutating func removeAll() {
        bytes.removeAll(keepingCapacity: true)
        starts.removeAll(keepingCapacity: true)
    }

    /// Appends the entry the encoder holds.
    mutating func append(_ encoder: EntryEncoder) {
        starts.append(bytes.count)
        bytes += encoder.bytes
    }

    /// Appends one entry's bytes, encoded elsewhere.
    mutating func append(entry: UnsafeRawBufferPointer) {
        starts.append(bytes.count)
        bytes.append(contentsOf: entry)
    }

    /// Calls `body` with rule `index`'s entry.
    public func withRule<Result, Failure: Error>(_ index: Int, _ body: (UnsafeRawBufferPointer) throws(Failure) -> Result)
        throws(Failure) -> Result {
        let range = starts[index]..<(index + 1 < starts.count ? starts[index + 1] : bytes.count)
        // Array.withUnsafeBytes only rethrows untyped errors; carry the typed one out.
        let outcome = bytes.withUnsafeBytes { buffer -> Swift.Result<Result, Failure> in
            do throws(Failure) {
                return .success(try body(UnsafeRawBufferPointer(rebasing: buffer[range])))
            } catch {
                return .failure(error)
            }
        }
        return try outcome.get()
    }
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
        bytes.withUnsafeBytes { installed in
            rule.bytes.withUnsafeBytes { encoded in
                targetLabel.withCString { label in
                    Self.isSame(installed: installed, label: label, encoded: encoded, family: family)
                }
            }
        }
    }

    /// ``isSame(as:)`` on raw entries, for comparing libiptc's copy in place: `label` is
    /// what libiptc reports as the installed entry's target.
    static func isSame(installed: UnsafeRawBufferPointer, label: UnsafePointer<CChar>, encoded: UnsafeRawBufferPointer,
                       family: IPFamily) -> Bool {
        let ipPart = family == .ipv4 ? 84 : 136
        let offsets = family == .ipv4 ? 88 : 140
        let header = family == .ipv4 ? 112 : 168
        guard installed.count == encoded.count, installed.count >= header else { return false }
        guard installed[0..<ipPart].elementsEqual(encoded[0..<ipPart]),
              installed[offsets..<(offsets + 4)].elementsEqual(encoded[offsets..<(offsets + 4)]) else {
            return false
        }
        let targetOffset = Int(installed[offsets]) | Int(installed[offsets + 1]) << 8
        guard targetOffset + 32 <= installed.count else { return false }
        // The encoded target's name field holds the label libiptc reports once installed.
        let encodedLabel = encoded[(targetOffset + 2)..<(targetOffset + 31)].prefix { $0 != 0 }
        let installedLabel = UnsafeRawBufferPointer(start: label, count: strlen(label))
        guard encodedLabel.elementsEqual(installedLabel) else { return false }
        // Matches one by one: the kernel hands back names with stale bytes after the NUL.
        var offset = header
        while offset < targetOffset {
            let size = Int(installed[offset]) | Int(installed[offset + 1]) << 8
            guard size >= 32, offset + size <= targetOffset,
                  sameExtension(installed, encoded, at: offset, size: size) else {
                return false
            }
            offset += size
        }
        if EncodedRule.extensionTargets.contains(where: { $0.utf8.elementsEqual(installedLabel) }) {
            return sameExtension(installed, encoded, at: targetOffset, size: installed.count - targetOffset)
        }
        return true
    }

    /// Whether two `xt_entry_match`/`xt_entry_target` structures at `offset` agree: size,
    /// name up to its NUL, revision and payload.
    static func sameExtension(_ a: UnsafeRawBufferPointer, _ b: UnsafeRawBufferPointer, at offset: Int, size: Int) -> Bool {
        guard a[offset] == b[offset], a[offset + 1] == b[offset + 1] else { return false }
        let nameA = a[(offset + 2)..<(offset + 31)].prefix { $0 != 0 }
        let nameB = b[(offset + 2)..<(offset + 31)].prefix { $0 != 0 }
        return nameA.elementsEqual(nameB) && a[offset + 31] == b[offset + 31]
            && memcmp(a.baseAddress! + offset + 32, b.baseAddress! + offset + 32, size - 32) == 0
    }
}
