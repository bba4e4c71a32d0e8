import ServiceModel

/// Why the kernel's connection tracking table could not be read or changed.
public struct ConntrackError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The step that failed: opening the netlink socket, listing or deleting.
    public var operation: String
    public var family: IPFamily
    public var errno: Int32
    public var message: String

    public init(operation: String, family: IPFamily, errno: Int32, message: String) {
        self.operation = operation
        self.family = family
        self.errno = errno
        self.message = message
    }

    public var description: String {
        "conntrack \(family == .ipv6 ? "IPv6" : "IPv4"): \(operation) failed: \(message) (errno \(errno))"
    }
}
