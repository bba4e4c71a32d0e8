import ServiceModel

/// A Service that asks nodes to answer load balancers' health checks
/// (type LoadBalancer, externalTrafficPolicy Local, a `healthCheckNodePort`), with how
/// many of its endpoints are ready on this node.
public struct HealthCheckService: Hashable, Sendable {
    public var service: NamespacedName
    public var port: Int
    /// Ready endpoints on this node (terminating ones are not counted), by address.
    public var localEndpoints: Int

    public init(service: NamespacedName, port: Int, localEndpoints: Int) {
        self.service = service
        self.port = port
        self.localEndpoints = localEndpoints
    }

    /// The health check `service` wants, given its ports' endpoints; `nil` when it wants none.
    static func make(_ service: Service, ports: [ServicePortEndpoints], node: String, family: IPFamily) -> HealthCheckService? {
        guard service.type == .loadBalancer, service.externalTrafficPolicy == .local,
              let port = service.healthCheckNodePort, port > 0 else { return nil }
        var local = Set<IPAddress>()
        for entry in ports {
            for endpoint in entry.endpoints(for: family) where endpoint.nodeName == node && endpoint.isReady && !endpoint.isTerminating {
                local.insert(endpoint.address)
            }
        }
        return HealthCheckService(service: service.namespacedName, port: port, localEndpoints: local.count)
    }
}
