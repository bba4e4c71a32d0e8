import Logging
import ProxyRuntime
import ServiceModel
import Synchronization

/// The health-check node ports of Services with externalTrafficPolicy Local: one listener
/// per port (on each `nodePortAddresses` IP, else on every address), answering every path
/// with 200 when the node has ready endpoints of the Service and the proxy is healthy,
/// else 503, and kube-proxy's JSON body. Ports open and close as Services come and go.
public final class HealthCheckNodePorts: Sendable {
    private struct Listener {
        var service: NamespacedName
        var servers: [HTTPEndpointServer]
    }

    private let addresses: @Sendable () -> [IPAddress]
    private let health: ProxyHealth
    private let logger: Logger
    /// Local endpoint counts by port, read by the listeners on every request.
    private let counts = Mutex<[Int: HealthCheckService]>([:])
    private let listeners = Mutex<[Int: Listener]>([:])

    /// - Parameter addresses: the node's IPs within `nodePortAddresses` when a port opens;
    ///   empty listens on every address.
    public init(addresses: @escaping @Sendable () -> [IPAddress], health: ProxyHealth, logger: Logger) {
        self.addresses = addresses
        self.health = health
        self.logger = logger
    }

    /// Follows `services` until cancelled, opening and closing listeners; closes them all
    /// at the end.
    public func run(_ services: HealthCheckServices) async {
        for await current in services.updates() {
            await reconcile(current)
        }
        await reconcile([])
    }

    /// Makes the listeners match `services`.
    public func reconcile(_ services: [HealthCheckService]) async {
        let wanted = Dictionary(services.map { ($0.port, $0) }, uniquingKeysWith: { first, _ in first })
        counts.withLock { $0 = wanted }
        let open = listeners.withLock { $0 }
        for (port, listener) in open where wanted[port]?.service != listener.service {
            for server in listener.servers { await server.stop() }
            listeners.withLock { _ = $0.removeValue(forKey: port) }
            logger.info("health check node port \(port) of \(listener.service) closed")
        }
        for (port, check) in wanted.sorted(by: { $0.key < $1.key }) where listeners.withLock({ $0[port] == nil }) {
            var servers: [HTTPEndpointServer] = []
            let chosen = addresses()
            let bindings = chosen.isEmpty ? [IPAddress("0.0.0.0")!] : chosen
            for address in bindings {
                do {
                    servers.append(try await HTTPEndpointServer.start(BindAddress(host: address, port: port)) { [self] _ in
                        answer(port: port)
                    })
                } catch {
                    logger.error("health check node port \(port) of \(check.service) cannot listen on \(address): \(error)")
                }
            }
            listeners.withLock { $0[port] = Listener(service: check.service, servers: servers) }
            logger.info("health check node port \(port) of \(check.service) open")
        }
    }

    /// The answer on `port` now.
    func answer(port: Int) -> HTTPReply {
        guard let check = counts.withLock({ $0[port] }) else { return .json(503, "{}") }
        let healthy = health.status().healthy
        let code = check.localEndpoints > 0 && healthy ? 200 : 503
        let body = "{\n\t\"service\": {\n\t\t\"namespace\": \"\(check.service.namespace)\",\n\t\t\"name\": \"\(check.service.name)\"\n\t},"
            + "\n\t\"localEndpoints\": \(check.localEndpoints),\n\t\"serviceProxyHealthy\": \(healthy)\n}"
        return .json(code, body)
    }
}
