import ServiceModel

/// A Service port an Ingress sends requests to, resolved to the endpoints that serve it.
public struct IngressUpstream: Hashable, Sendable, CustomStringConvertible {
    /// The Service, and its port as the Ingress names it (number or name).
    public var service: NamespacedName
    public var port: ServiceBackendPort
    /// Where requests go: the ready endpoints, else the serving terminating ones, sorted.
    public var endpoints: [UpstreamAddress]

    public init(service: NamespacedName, port: ServiceBackendPort, endpoints: [UpstreamAddress]) {
        self.service = service
        self.port = port
        self.endpoints = endpoints
    }

    /// What identifies an upstream across route tables: the Service and port.
    struct Key: Hashable, Sendable {
        var service: NamespacedName
        var port: ServiceBackendPort
    }

    var key: Key { Key(service: service, port: port) }

    /// `namespace-name-port`, as ingress-nginx names an upstream in its logs.
    public var description: String { "\(service.namespace)-\(service.name)-\(port)" }
}
