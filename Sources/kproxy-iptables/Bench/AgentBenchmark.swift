import Foundation
import IptablesBackend
import KubernetesClient
import LocalAPIServer
import Logging
import ProxyCore
import ProxyRuntime
import ServiceModel

/// The node agent at scale, as it runs on a node, in one process: a loopback API server
/// holding a generated cluster, the agent's change source and sync loop with kube-proxy's
/// default pacing (minSyncPeriod 1 s, syncPeriod 30 s), applying through libiptc's helper
/// into a throwaway network namespace.
///
/// Measures the start (initial lists → rules in the kernel), one-endpoint changes applied
/// one after another (from the API server's change to the end of the sync that carried
/// it), and a churn of endpoint changes at a fixed rate, with this process's resident
/// memory before and after.
struct AgentBenchmark {
    var services: Int
    var endpointsPerService: Int
    var changes: Int
    var churnSeconds: Int
    var churnRate: Int
    var lockPath: String

    struct Result {
        var initialSyncMs: Double = 0
        var changeLatenciesMs: [Double] = []
        var residentStartMB: Double = 0
        var residentEndMB: Double = 0
        var churnChanges = 0
        var churnSyncs = 0
        var failedSyncs = 0
    }

    static let nodeName = "worker-1"

    func measure() async throws -> Result {
        let namespace = try NetworkNamespace.create(prefix: "kpx-bench")
        defer { namespace.delete() }
        let server = try await LoopbackAPIServer.start()
        benchProgress("agent: serving \(services) services × \(endpointsPerService) endpoints from a loopback API server")
        load(into: server)
        let connection = APIConnection(server: server.url, trust: .certificateAuthority(pem: Array(server.certificates!.authorityPEM.utf8)),
                                       token: .value(server.token!), clientCertificate: nil, tlsServerName: nil, source: "bench")
        let client = try APIClient(connection: connection)
        var configuration = KubeProxyConfiguration(clusterCIDRs: [IPPrefix("10.244.0.0/16")!])
        configuration.hostnameOverride = Self.nodeName
        var options = ProxyRuntimeOptions(configuration: configuration, nodeName: Self.nodeName)
        options.ipFamily = .ipv4
        let helper = ["ip", "netns", "exec", namespace.name] + LibiptcHelperCommand.commandLine
        let runtime = ProxyRuntime(options: options, applier: LibiptcApplier(lockPath: lockPath, helperCommand: helper),
                                   metrics: ProxyMetrics(family: .ipv4), logger: Logger(label: "bench") { _ in SwiftLogNoOpLogHandler() })
        let source = APIChangeSource(client: client, nodeName: Self.nodeName, logger: Logger(label: "bench") { _ in SwiftLogNoOpLogHandler() })
        var result = Result()
        let started = ContinuousClock.now
        let task = Task { try await runtime.run(source: source) }
        defer { task.cancel() }
        try await runtime.waitForProgress { $0.completedSyncs >= 1 }
        result.initialSyncMs = (runtime.progress.snapshot.lastCompletedAt! - started).milliseconds
        result.residentStartMB = ProcessMemory.residentMegabytes()
        benchProgress("agent: initial sync in \(Int(result.initialSyncMs)) ms; \(changes) one-endpoint changes")
        for change in 1...max(1, changes) {
            // Spaced by more than minSyncPeriod, as changes come on a quiet cluster.
            try await Task.sleep(for: .milliseconds(1100))
            let changed = ContinuousClock.now
            server.apply(slice(change * 7919 % services, generation: change))
            try await runtime.waitForProgress { ($0.appliedThrough ?? started) >= changed }
            result.changeLatenciesMs.append((runtime.progress.snapshot.lastCompletedAt! - changed).milliseconds)
        }
        benchProgress("agent: \(churnSeconds) s of churn at \(churnRate) endpoint changes a second")
        let syncsBefore = runtime.progress.snapshot.completedSyncs
        let churnEnd = ContinuousClock.now + .seconds(churnSeconds)
        var generation = changes + 1
        var lastChange = ContinuousClock.now
        while ContinuousClock.now < churnEnd {
            lastChange = .now
            server.apply(slice(generation * 7919 % services, generation: generation))
            generation += 1
            result.churnChanges += 1
            try await Task.sleep(for: .milliseconds(1000 / max(1, churnRate)))
        }
        try await runtime.waitForProgress { [lastChange] in ($0.appliedThrough ?? started) >= lastChange }
        result.churnSyncs = runtime.progress.snapshot.completedSyncs - syncsBefore
        result.failedSyncs = runtime.progress.snapshot.failedSyncs
        result.residentEndMB = ProcessMemory.residentMegabytes()
        task.cancel()
        _ = await task.result
        await client.shutdown()
        await server.stop()
        return result
    }

    /// Puts the node, the Services and their slices into `server`.
    func load(into server: LoopbackAPIServer) {
        server.apply(.node(Self.nodeName, addresses: ["192.168.1.11"], podCIDR: "10.244.1.0/24"))
        for index in 0..<services {
            server.apply(.service("svc\(index)", namespace: "ns\(index % 100)", clusterIP: clusterIP(index), ports: [("p0", 80)]))
            server.apply(slice(index, generation: 0))
        }
    }

    private func clusterIP(_ index: Int) -> String {
        "10.\(96 + index / 65536).\(index / 256 % 256).\(index % 256)"
    }

    /// Service `index`'s slice; each generation moves its first endpoint to a new address.
    func slice(_ index: Int, generation: Int) -> ServedObject {
        let endpoints = (0..<endpointsPerService).map { endpoint -> (address: String, node: String) in
            let serial = index * endpointsPerService + endpoint
            let third = endpoint == 0 ? (serial / 256 + generation) % 256 : serial / 256 % 256
            return ("10.\(128 + serial / 65536 % 128).\(third).\(serial % 256)", "worker-\(1 + endpoint % 3)")
        }
        return .endpointSlice("svc\(index)-x7k2p", namespace: "ns\(index % 100)", service: "svc\(index)", endpoints: endpoints,
                              port: ("p0", 8080))
    }
}
