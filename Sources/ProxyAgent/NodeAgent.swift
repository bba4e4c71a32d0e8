import IptablesBackend
import KubernetesClient
import Logging
import ProxyCore
import ProxyRuntime
import ServiceLifecycle
import ServiceModel

/// A node agent, as kube-proxy runs on every node: it follows the API server, keeps the
/// node's rules in step, and serves `/healthz` and `/livez`, `/metrics`, and the
/// health-check node ports of Services with externalTrafficPolicy Local. SIGTERM and
/// SIGINT end it; the rules stay in place, as kube-proxy leaves them.
public struct NodeAgent: Sendable {
    public var runtime: ProxyRuntime
    public var client: APIClient
    /// `nil` serves no healthz.
    public var healthzAddress: BindAddress?
    /// `nil` serves no metrics.
    public var metricsAddress: BindAddress?
    public var logger: Logger

    public init(runtime: ProxyRuntime, client: APIClient, healthzAddress: BindAddress?, metricsAddress: BindAddress?, logger: Logger) {
        self.runtime = runtime
        self.client = client
        self.healthzAddress = healthzAddress
        self.metricsAddress = metricsAddress
        self.logger = logger
    }

    /// Runs until a signal or a failure of the sync loop.
    public func run() async throws {
        var servers: [HTTPEndpointServer] = []
        let health = HealthEndpoints(health: runtime.health, metrics: runtime.metrics)
        let metrics = MetricsEndpoints(metrics: runtime.metrics)
        if let healthzAddress {
            servers.append(try await HTTPEndpointServer.start(healthzAddress) { health.answer($0) })
            logger.info("serving /healthz and /livez on \(healthzAddress)")
        }
        if let metricsAddress {
            servers.append(try await HTTPEndpointServer.start(metricsAddress) { metrics.answer($0) })
            logger.info("serving /metrics on \(metricsAddress)")
        }
        let source = APIChangeSource(client: client, nodeName: runtime.options.nodeName, logger: logger, metrics: runtime.metrics,
                                     followsServiceCIDRs: runtime.rules.usesServiceRanges)
        let runtime = runtime
        let nodePorts = HealthCheckNodePorts(addresses: { runtime.settings?.nodePortAddresses.listenAddresses ?? [] },
                                             health: runtime.health, logger: logger)
        let group = ServiceGroup(services: [
            AgentTask(name: "sync loop") { try await cancelWhenGracefulShutdown { try await runtime.run(source: source) } },
            AgentTask(name: "health check node ports") { await cancelWhenGracefulShutdown { await nodePorts.run(runtime.healthChecks) } },
        ], gracefulShutdownSignals: [.sigterm, .sigint], cancellationSignals: [], logger: logger)
        defer { logger.info("stopped; the rules stay in place") }
        do {
            try await group.run()
        } catch {
            for server in servers { await server.stop() }
            await client.shutdown()
            throw error
        }
        for server in servers { await server.stop() }
        await client.shutdown()
    }
}

extension NodePortAddresses {
    /// The addresses a health-check node port listens on: these, or every address (empty).
    var listenAddresses: [IPAddress] {
        if case .only(let addresses) = self { return addresses }
        return []
    }
}

/// One long-running part of the agent, for the service group.
struct AgentTask: ServiceLifecycle.Service, CustomStringConvertible {
    let name: String
    let body: @Sendable () async throws -> Void

    init(name: String, _ body: @escaping @Sendable () async throws -> Void) {
        self.name = name
        self.body = body
    }

    /// Runs the part; being cancelled at shutdown is how it ends, not a failure.
    func run() async throws {
        do {
            try await body()
        } catch is CancellationError {
            return
        }
    }

    var description: String { name }
}
