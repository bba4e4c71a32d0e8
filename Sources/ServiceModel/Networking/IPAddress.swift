/// An IP address family, named as Kubernetes names it in `ipFamilies`.
public enum IPFamily: String, Hashable, Sendable, Comparable, CaseIterable, Codable {
    case ipv4 = "IPv4"
    case ipv6 = "IPv6"

    public static func < (lhs: IPFamily, rhs: IPFamily) -> Bool { lhs == .ipv4 && rhs == .ipv6 }
}

/// An IPv4 address.
public struct IPv4Address: Hashable, Sendable, Comparable, CustomStringConvertible {
    /// The address in host byte order: `10.0.0.1` is `0x0A00_0001`.
    public var value: UInt32

    public init(_ value: UInt32) {
        self.value = value
    }

    /// Parses dotted-quad text. Like Kubernetes' parser, leading zeros are read as decimal.
    public init?(_ text: some StringProtocol) {
        var value: UInt32 = 0
        var octet: UInt32 = 0
        var digits = 0
        var dots = 0
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"):
                octet = octet * 10 + UInt32(byte - UInt8(ascii: "0"))
                digits += 1
                guard digits <= 3, octet <= 255 else { return nil }
            case UInt8(ascii: "."):
                guard digits > 0, dots < 3 else { return nil }
                value = value << 8 | octet
                octet = 0
                digits = 0
                dots += 1
            default:
                return nil
            }
        }
        guard dots == 3, digits > 0 else { return nil }
        self.value = value << 8 | octet
    }

    public var description: String {
        "\(value >> 24).\(value >> 16 & 0xFF).\(value >> 8 & 0xFF).\(value & 0xFF)"
    }

    /// Whether this is in 127.0.0.0/8.
    public var isLoopback: Bool { value >> 24 == 127 }

    public static func < (lhs: IPv4Address, rhs: IPv4Address) -> Bool { lhs.value < rhs.value }
}

/// An IPv6 address.
public struct IPv6Address: Hashable, Sendable, Comparable, CustomStringConvertible {
    /// The first 64 bits, most significant first.
    public var high: UInt64
    /// The last 64 bits.
    public var low: UInt64

    public init(high: UInt64, low: UInt64) {
        self.high = high
        self.low = low
    }

    /// Parses RFC 4291 text (`fd00::1`, `::ffff:10.0.0.1`); zones (`%eth0`) are not addresses.
    public init?(_ text: some StringProtocol) {
        var groups: [UInt16] = []
        groups.reserveCapacity(8)
        var gapIndex: Int?
        let bytes = Array(text.utf8)
        guard !bytes.isEmpty else { return nil }
        var index = 0
        if bytes.count >= 2, bytes[0] == UInt8(ascii: ":"), bytes[1] == UInt8(ascii: ":") {
            gapIndex = 0
            index = 2
        } else if bytes[0] == UInt8(ascii: ":") {
            return nil
        }
        while index < bytes.count {
            // An embedded IPv4 address ends the text.
            var end = index
            while end < bytes.count, bytes[end] != UInt8(ascii: ":") { end += 1 }
            let piece = bytes[index..<end]
            if piece.contains(UInt8(ascii: ".")) {
                guard end == bytes.count, groups.count <= 6,
                      let v4 = IPv4Address(String(decoding: piece, as: UTF8.self)) else { return nil }
                groups.append(UInt16(v4.value >> 16))
                groups.append(UInt16(v4.value & 0xFFFF))
                index = end
                break
            }
            guard !piece.isEmpty, piece.count <= 4, groups.count < 8 else { return nil }
            var group: UInt16 = 0
            for byte in piece {
                guard let digit = hexValue(byte) else { return nil }
                group = group << 4 | UInt16(digit)
            }
            groups.append(group)
            index = end
            if index < bytes.count {
                // At a colon: a single one separates, a double one is the gap.
                index += 1
                if index < bytes.count, bytes[index] == UInt8(ascii: ":") {
                    guard gapIndex == nil else { return nil }
                    gapIndex = groups.count
                    index += 1
                } else if index == bytes.count {
                    return nil
                }
            }
        }
        if let gapIndex {
            guard groups.count < 8 else { return nil }
            groups.insert(contentsOf: repeatElement(0, count: 8 - groups.count), at: gapIndex)
        }
        guard groups.count == 8 else { return nil }
        var high: UInt64 = 0
        var low: UInt64 = 0
        for group in groups[0..<4] { high = high << 16 | UInt64(group) }
        for group in groups[4..<8] { low = low << 16 | UInt64(group) }
        self.high = high
        self.low = low
    }

    /// The eight 16-bit groups.
    public var groups: [UInt16] {
        (0..<8).map { index in
            let word = index < 4 ? high : low
            return UInt16(truncatingIfNeeded: word >> (UInt64(3 - index % 4) * 16))
        }
    }

    /// The IPv4 address this IPv6 address maps (`::ffff:a.b.c.d`), if any.
    public var mappedIPv4: IPv4Address? {
        guard high == 0, low >> 32 == 0xFFFF else { return nil }
        return IPv4Address(UInt32(truncatingIfNeeded: low))
    }

    /// RFC 5952 text: lower case, the longest run of two or more zero groups as `::`.
    public var description: String {
        let groups = self.groups
        var bestStart = -1
        var bestLength = 1
        var runStart = -1
        for index in 0...8 {
            if index < 8, groups[index] == 0 {
                if runStart < 0 { runStart = index }
            } else if runStart >= 0 {
                if index - runStart > bestLength {
                    bestStart = runStart
                    bestLength = index - runStart
                }
                runStart = -1
            }
        }
        var text = ""
        var index = 0
        while index < 8 {
            if index == bestStart {
                text += "::"
                index += bestLength
                continue
            }
            if !text.isEmpty, !text.hasSuffix(":") { text += ":" }
            text += String(groups[index], radix: 16)
            index += 1
        }
        return text
    }

    public var isLoopback: Bool { high == 0 && low == 1 }

    public static func < (lhs: IPv6Address, rhs: IPv6Address) -> Bool {
        (lhs.high, lhs.low) < (rhs.high, rhs.low)
    }
}

private func hexValue(_ byte: UInt8) -> UInt8? {
    switch byte {
    case UInt8(ascii: "0")...UInt8(ascii: "9"): return byte - UInt8(ascii: "0")
    case UInt8(ascii: "a")...UInt8(ascii: "f"): return byte - UInt8(ascii: "a") + 10
    case UInt8(ascii: "A")...UInt8(ascii: "F"): return byte - UInt8(ascii: "A") + 10
    default: return nil
    }
}

/// An IPv4 or IPv6 address.
public enum IPAddress: Hashable, Sendable, Comparable, CustomStringConvertible {
    case v4(IPv4Address)
    case v6(IPv6Address)

    /// Parses either family. An IPv4-mapped IPv6 address (`::ffff:10.0.0.1`) is read as the
    /// IPv4 address it maps, as Kubernetes does.
    public init?(_ text: some StringProtocol) {
        if let v4 = IPv4Address(text) {
            self = .v4(v4)
        } else if let v6 = IPv6Address(text) {
            if let mapped = v6.mappedIPv4 { self = .v4(mapped) } else { self = .v6(v6) }
        } else {
            return nil
        }
    }

    public var family: IPFamily {
        switch self {
        case .v4: return .ipv4
        case .v6: return .ipv6
        }
    }

    public var isLoopback: Bool {
        switch self {
        case .v4(let address): return address.isLoopback
        case .v6(let address): return address.isLoopback
        }
    }

    /// `0.0.0.0` or `::`.
    public var isUnspecified: Bool {
        switch self {
        case .v4(let address): return address.value == 0
        case .v6(let address): return address.high == 0 && address.low == 0
        }
    }

    /// `address:port`, the address bracketed in IPv6 (`[fd00::1]:80`).
    public func withPort(_ port: Int) -> String {
        switch self {
        case .v4: "\(self):\(port)"
        case .v6: "[\(self)]:\(port)"
        }
    }

    public var description: String {
        switch self {
        case .v4(let address): return address.description
        case .v6(let address): return address.description
        }
    }

    public static func < (lhs: IPAddress, rhs: IPAddress) -> Bool {
        switch (lhs, rhs) {
        case (.v4(let a), .v4(let b)): return a < b
        case (.v6(let a), .v6(let b)): return a < b
        case (.v4, .v6): return true
        case (.v6, .v4): return false
        }
    }
}
