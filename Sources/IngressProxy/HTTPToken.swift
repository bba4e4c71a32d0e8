/// Bytes of HTTP's grammar (RFC 9110 §5.6.2): which bytes make a token, and names
/// compared without the case of their ASCII letters.
enum HTTPToken {
    /// Whether `byte` may appear in a token (a header name, a method).
    static func isTokenByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
             UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "."),
             UInt8(ascii: "!"), UInt8(ascii: "#"), UInt8(ascii: "$"), UInt8(ascii: "%"), UInt8(ascii: "&"),
             UInt8(ascii: "'"), UInt8(ascii: "*"), UInt8(ascii: "+"), UInt8(ascii: "^"), UInt8(ascii: "`"),
             UInt8(ascii: "|"), UInt8(ascii: "~"):
            return true
        default:
            return false
        }
    }

    static func lowercased(_ byte: UInt8) -> UInt8 {
        byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z") ? byte | 0x20 : byte
    }

    /// Whether two header names (or `Connection` tokens) are the same but for the case of
    /// their ASCII letters.
    static func sameIgnoringCase(_ first: some StringProtocol, _ second: some StringProtocol) -> Bool {
        guard first.utf8.count == second.utf8.count else { return false }
        var others = second.utf8.makeIterator()
        for byte in first.utf8 {
            guard let other = others.next(), lowercased(byte) == lowercased(other) else { return false }
        }
        return true
    }

    /// Whether `bytes[range]` are `lowercaseName` but for the case of their ASCII letters.
    static func matches(_ bytes: Span<UInt8>, _ range: Range<Int>, _ lowercaseName: [UInt8]) -> Bool {
        guard range.count == lowercaseName.count else { return false }
        var index = range.lowerBound
        for byte in lowercaseName {
            guard lowercased(bytes[index]) == byte else { return false }
            index += 1
        }
        return true
    }
}
