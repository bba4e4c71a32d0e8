import ServiceModel

/// A way in whose traced outcomes differ from the model's (``ExpectedFlow``).
public struct FlowMismatch: Hashable, Sendable, CustomStringConvertible {
    public var servicePort: ServicePortName
    public var way: String
    public var packet: String
    public var expected: [String]
    public var actual: [String]

    public init(servicePort: ServicePortName, way: String, packet: String, expected: [String], actual: [String]) {
        self.servicePort = servicePort
        self.way = way
        self.packet = packet
        self.expected = expected
        self.actual = actual
    }

    public var description: String {
        "\(servicePort) \(way) (\(packet)): expected \(expected.joined(separator: ", ")); traced \(actual.joined(separator: ", "))"
    }
}
