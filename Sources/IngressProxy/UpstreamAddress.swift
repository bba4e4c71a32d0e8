import ServiceModel

/// One endpoint's address and port.
public struct UpstreamAddress: Hashable, Sendable, Comparable, CustomStringConvertible {
    public var address: IPAddress
    public var port: Int

    public init(address: IPAddress, port: Int) {
        self.address = address
        self.port = port
    }

    /// `10.180.0.1:8080`, `[fd00::1]:8080`.
    public var description: String {
        address.withPort(port)
    }

    public static func < (lhs: UpstreamAddress, rhs: UpstreamAddress) -> Bool {
        (lhs.address, lhs.port) < (rhs.address, rhs.port)
    }
}
