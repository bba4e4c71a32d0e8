/// An address range in CIDR notation: `10.244.0.0/16`, `fd00:10:244::/56`.
public struct IPPrefix: Hashable, Sendable, Comparable, CustomStringConvertible {
    /// The first address of the range (host bits cleared).
    public private(set) var address: IPAddress
    /// The number of leading bits that are fixed.
    public private(set) var length: Int

    /// A prefix from an address and a length; host bits of `address` are cleared.
    /// Returns `nil` when `length` does not fit the family.
    public init?(address: IPAddress, length: Int) {
        let bits = address.family == .ipv4 ? 32 : 128
        guard (0...bits).contains(length) else { return nil }
        self.length = length
        switch address {
        case .v4(let v4):
            let mask: UInt32 = length == 0 ? 0 : ~UInt32(0) << UInt32(32 - length)
            self.address = .v4(IPv4Address(v4.value & mask))
        case .v6(let v6):
            let highMask: UInt64 = length == 0 ? 0 : (length >= 64 ? ~0 : ~UInt64(0) << UInt64(64 - length))
            let lowMask: UInt64 = length <= 64 ? 0 : (length == 128 ? ~0 : ~UInt64(0) << UInt64(128 - length))
            self.address = .v6(IPv6Address(high: v6.high & highMask, low: v6.low & lowMask))
        }
    }

    /// The prefix holding `address` alone (`/32`, `/128`).
    public init(host address: IPAddress) {
        self.address = address
        self.length = address.family == .ipv4 ? 32 : 128
    }

    /// Parses `address/length`. As in Kubernetes, an address with host bits set is accepted
    /// and names its network (`10.0.0.1/8` is `10.0.0.0/8`).
    public init?(_ text: some StringProtocol) {
        guard let slash = text.firstIndex(of: "/") else { return nil }
        let lengthText = text[text.index(after: slash)...]
        guard !lengthText.isEmpty, lengthText.count <= 3, lengthText.allSatisfy(\.isASCII),
              let length = Int(lengthText) else { return nil }
        let addressText = text[..<slash]
        let address: IPAddress
        if addressText.contains(":") {
            guard let v6 = IPv6Address(addressText) else { return nil }
            address = .v6(v6)
        } else {
            guard let v4 = IPv4Address(addressText) else { return nil }
            address = .v4(v4)
        }
        self.init(address: address, length: length)
    }

    public var family: IPFamily { address.family }

    /// Whether `other` lies in this range.
    public func contains(_ other: IPAddress) -> Bool {
        guard other.family == family, let masked = IPPrefix(address: other, length: length) else { return false }
        return masked.address == address
    }

    public var description: String { "\(address)/\(length)" }

    public static func < (lhs: IPPrefix, rhs: IPPrefix) -> Bool {
        (lhs.address, lhs.length) < (rhs.address, rhs.length)
    }
}
