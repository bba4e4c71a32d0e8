/// One port of one Service, as a service proxy keys it: namespace, name, port name and
/// protocol. Its description is kube-proxy's (`prod/api:http`, or `prod/api` for an unnamed
/// port); chain names and rule comments are made from it.
public struct ServicePortName: Hashable, Sendable, Comparable, CustomStringConvertible {
    public var service: NamespacedName
    public var port: String
    public var `protocol`: L4Protocol

    public init(service: NamespacedName, port: String, protocol: L4Protocol) {
        self.service = service
        self.port = port
        self.protocol = `protocol`
    }

    public var description: String {
        port.isEmpty ? service.description : "\(service):\(port)"
    }

    /// Ordered by namespace, name, port name, then protocol.
    public static func < (lhs: ServicePortName, rhs: ServicePortName) -> Bool {
        (lhs.service.namespace, lhs.service.name, lhs.port, lhs.protocol.rawValue)
            < (rhs.service.namespace, rhs.service.name, rhs.port, rhs.protocol.rawValue)
    }
}
