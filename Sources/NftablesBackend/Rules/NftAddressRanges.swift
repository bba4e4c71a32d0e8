import ProxyCore
import ServiceModel

/// The address ranges an anonymous set of prefixes holds, as nft keeps them: sorted, with
/// overlapping and adjacent prefixes merged into one interval. What the kernel lists back is
/// such intervals, so plans and listings compare through them.
public enum NftAddressRanges {
    /// A range of addresses in network byte order: its first, and the one past its last
    /// (`nil` past the end of the address space).
    public struct Range: Equatable, Sendable {
        public var start: [UInt8]
        public var end: [UInt8]?

        public init(start: [UInt8], end: [UInt8]?) {
            self.start = start
            self.end = end
        }
    }

    /// The ranges of `prefixes`, sorted and merged.
    public static func merged(_ prefixes: [IPPrefix]) -> [Range] {
        var ranges: [Range] = []
        let sorted = prefixes.sorted { less(bytes($0.address), bytes($1.address)) }
        for prefix in sorted {
            let start = bytes(prefix.address)
            let end = addingOne(last(of: start, length: prefix.length))
            if let previous = ranges.last, previous.end.map({ !less($0, start) }) ?? true {
                if let previousEnd = previous.end, end.map({ less(previousEnd, $0) }) ?? true {
                    ranges[ranges.count - 1].end = end
                }
                continue
            }
            ranges.append(Range(start: start, end: end))
        }
        return ranges
    }

    /// The fewest prefixes that cover `range` exactly.
    public static func prefixes(_ range: Range) -> [IPPrefix] {
        let width = range.start.count * 8
        var result: [IPPrefix] = []
        var start = range.start
        while range.end.map({ less(start, $0) }) ?? true {
            // The largest block aligned at `start` that does not run past the end.
            var size = trailingZeroBits(start)
            while size > 0, let end = range.end, addingPower(of: size, to: start).map({ less(end, $0) }) ?? true {
                size -= 1
            }
            guard let prefix = IPPrefix(address: address(start), length: width - size) else { break }
            result.append(prefix)
            guard let next = addingPower(of: size, to: start) else { break }
            start = next
        }
        return result
    }

    /// An address in network byte order.
    public static func bytes(_ address: IPAddress) -> [UInt8] {
        switch address {
        case .v4(let v4): withUnsafeBytes(of: v4.value.bigEndian, Array.init)
        case .v6(let v6): withUnsafeBytes(of: v6.high.bigEndian, Array.init) + withUnsafeBytes(of: v6.low.bigEndian, Array.init)
        }
    }

    /// The address of 4 or 16 bytes in network order.
    static func address(_ bytes: [UInt8]) -> IPAddress {
        func word(_ slice: ArraySlice<UInt8>) -> UInt64 { slice.reduce(0) { $0 << 8 | UInt64($1) } }
        if bytes.count == 4 { return .v4(IPv4Address(UInt32(word(bytes[0..<4])))) }
        return .v6(IPv6Address(high: word(bytes[0..<8]), low: word(bytes[8..<16])))
    }

    static func less(_ a: [UInt8], _ b: [UInt8]) -> Bool { a.lexicographicallyPrecedes(b) }

    /// The last address of the prefix of `length` bits that starts at `start`.
    static func last(of start: [UInt8], length: Int) -> [UInt8] {
        start.enumerated().map { index, byte in
            byte | UInt8(truncatingIfNeeded: 0xff >> max(0, min(8, length - index * 8)))
        }
    }

    /// `value + 1`, or `nil` past the last address.
    static func addingOne(_ value: [UInt8]) -> [UInt8]? { addingPower(of: 0, to: value) }

    /// `value + 2^bits`, or `nil` past the last address.
    static func addingPower(of bits: Int, to value: [UInt8]) -> [UInt8]? {
        var result = value
        var index = result.count - 1 - bits / 8
        var carry = 1 << (bits % 8)
        while index >= 0 && carry > 0 {
            let sum = Int(result[index]) + carry
            result[index] = UInt8(sum & 0xff)
            carry = sum >> 8
            index -= 1
        }
        return carry > 0 ? nil : result
    }

    /// How many low bits of `value` are zero (all of them for zero).
    static func trailingZeroBits(_ value: [UInt8]) -> Int {
        var bits = 0
        for byte in value.reversed() {
            if byte == 0 { bits += 8; continue }
            return bits + byte.trailingZeroBitCount
        }
        return bits
    }
}
