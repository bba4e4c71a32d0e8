import LocalAPIServer
import Foundation
import KProxyTestSupport
import ProxyCore
import Testing

/// The node agent end to end, as root in namespaces: a test API server (TLS, bearer token)
/// listening inside the node's namespace → `kproxy-iptables agent` in that namespace →
/// the kernel's tables → real connections from a pod.
@Suite(.serialized, .enabled(if: kernelUnavailable == nil, "\(kernelUnavailable ?? "")"))
struct AgentTests {
    static let configuration = """
        apiVersion: kubeproxy.config.k8s.io/v1alpha1
        kind: KubeProxyConfiguration
        hostnameOverride: node-a
        clusterCIDR: 10.244.0.0/16
        syncPeriod: 2s
        minSyncPeriod: 0s
        healthzBindAddress: 127.0.0.1:10256
        metricsBindAddress: 127.0.0.1:10249
        """

    static let node = ServedObject.node("node-a", addresses: [PodNetwork.nodeIP], podCIDR: "10.244.1.0/24")

    static func web(_ pods: [Int]) -> ServedObject {
        .endpointSlice("web-1", service: "web", endpoints: pods.map { (PodNetwork.podIP($0), "node-a") }, port: ("", 8080))
    }

    /// What a test works with: the network, the API server in the node, the agent's files.
    struct Harness {
        var network: PodNetwork
        var server: LoopbackAPIServer
        var directory: URL

        var log: String { (try? String(contentsOf: directory.appendingPathComponent("agent.log"), encoding: .utf8)) ?? "" }

        /// The agent's own xtables lock: a test that holds it blocks this agent alone, not
        /// the other tests' commands.
        var lockFile: String { directory.appendingPathComponent("xtables.lock").path }

        /// Starts an agent in the node; it logs to agent.log (appended to).
        func startAgent() throws -> Process {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: NetworkNamespace.which("ip")!)
            process.arguments = ["netns", "exec", network.node.name, executable, "agent", "--backend", "libiptc",
                                 "--kubeconfig", directory.appendingPathComponent("kubeconfig").path,
                                 "--config", directory.appendingPathComponent("kube-proxy.yaml").path]
            process.environment = ["XTABLES_LOCKFILE": lockFile]
            let log = try FileHandle(forWritingTo: directory.appendingPathComponent("agent.log"))
            log.seekToEndOfFile()
            process.standardError = log
            try process.run()
            return process
        }

        /// Asks the web service `count` times from pod 3; who answered, by name.
        func tally(_ count: Int, _ ip: String = "10.96.0.10") throws -> [String: Int] {
            try network.pods[3].inside {
                var counts: [String: Int] = [:]
                for _ in 0..<count {
                    let name = (try? Socket.ask(ip, 80, timeout: 1)).map { String($0.split(separator: " ")[0]) } ?? "no answer"
                    counts[name, default: 0] += 1
                }
                return counts
            }
        }

        /// The value of the /metrics line that starts with `prefix` (a name and its labels).
        func metric(_ prefix: String) throws -> Double? {
            try get(10249, "/metrics").body.split(separator: "\n").first { $0.hasPrefix(prefix) }
                .flatMap { Double($0.dropFirst(prefix.count)) }
        }

        /// GETs a path of the agent's servers in the node.
        func get(_ port: UInt16, _ path: String) throws -> (status: Int, body: String) {
            try network.node.inside { try Socket.httpGet("127.0.0.1", port, path) }
        }
    }

    /// A node with three serving pods and a client pod, an API server in the node holding
    /// the Node and the web Service, and `body`'s agent.
    static func withAgent(configuration extra: String = "", _ body: @escaping (Harness) async throws -> Void) async throws {
        try await withTaskExecutorPreference(TestExecutor.shared) {
            try await PodNetwork.withAsync(pods: 4) { network in
                var servers: [NameServer] = []
                defer { servers.forEach { $0.stop() } }
                for index in 0..<3 { servers.append(try NameServer.start(name: "pod-\(index)", port: 8080, in: network.pods[index])) }
                let socket = try network.node.inside { try LoopbackAPIServer.loopbackListeningSocket() }
                let server = try await LoopbackAPIServer.start(boundSocket: socket)
                let directory = try temporaryDirectory()
                defer { try? FileManager.default.removeItem(at: directory) }
                try (Self.configuration + "\n" + extra).write(to: directory.appendingPathComponent("kube-proxy.yaml"),
                                                              atomically: true, encoding: .utf8)
                try server.kubeconfig.write(to: directory.appendingPathComponent("kubeconfig"), atomically: true, encoding: .utf8)
                _ = FileManager.default.createFile(atPath: directory.appendingPathComponent("agent.log").path, contents: nil)
                server.apply(Self.node)
                server.apply(.service("web", clusterIP: "10.96.0.10"))
                server.apply(Self.web([0, 1, 2]))
                try await body(Harness(network: network, server: server, directory: directory))
                await server.stop()
            }
        }
    }

    @Test func followsTheAPIServerIntoTheKernel() async throws {
        try await Self.withAgent { harness in
            let agent = try harness.startAgent()
            defer { kill(agent.processIdentifier, SIGKILL); agent.waitUntilExit() }
            // A Service created through the API answers on its cluster IP, from every pod.
            try await eventually(seconds: 60) { (try? harness.tally(1))?["no answer"] == nil }
            #expect(Set(try harness.tally(60).keys) == ["pod-0", "pod-1", "pod-2"], "\(harness.log)")
            // An endpoint deleted stops receiving new connections.
            harness.server.apply(Self.web([0, 1]))
            try await eventually(seconds: 30) { (try? harness.tally(20)).map { $0["pod-2"] == nil } ?? false }
            #expect(Set(try harness.tally(60).keys) == ["pod-0", "pod-1"])
            // Compaction: the watch gets 410; changes made meanwhile come with the relist.
            harness.server.expireHistory()
            harness.server.apply(Self.web([2]))
            harness.server.apply(.service("api", clusterIP: "10.96.0.20"))
            harness.server.apply(.endpointSlice("api-1", service: "api", endpoints: [(PodNetwork.podIP(1), "node-a")], port: ("", 8080)))
            try await eventually(seconds: 30) { (try? harness.tally(1, "10.96.0.20"))?["pod-1"] == 1 }
            #expect(try harness.tally(30) == ["pod-2": 30])
            #expect(harness.log.contains("expired; listing again"), "\(harness.log)")
            // Health and metrics.
            #expect(try harness.get(10256, "/healthz").status == 200)
            let metrics = try harness.get(10249, "/metrics").body
            #expect(metrics.contains(#"kubeproxy_sync_proxy_rules_iptables_total{ip_family="IPv4",table="nat"}"#))
            #expect(metrics.contains("kubeproxy_sync_partial_proxy_rules_duration_seconds_count"))
        }
    }

    /// The agent in nftables mode (`mode: nftables`): the Service spreads over its pods, a
    /// removed endpoint gets no new connections after a partial sync, and iptables mode's
    /// chains are not there.
    @Test func runsInNftablesMode() async throws {
        try await Self.withAgent(configuration: "mode: nftables") { harness in
            harness.server.apply(.serviceCIDR("kubernetes", cidrs: ["10.96.0.0/16"]))
            let agent = try harness.startAgent()
            defer { kill(agent.processIdentifier, SIGKILL); agent.waitUntilExit() }
            try await eventually(seconds: 60) { (try? harness.tally(1))?["no answer"] == nil }
            #expect(Set(try harness.tally(60).keys) == ["pod-0", "pod-1", "pod-2"], "\(harness.log)")
            harness.server.apply(Self.web([0, 1]))
            try await eventually(seconds: 30) { (try? harness.tally(20)).map { $0["pod-2"] == nil } ?? false }
            #expect(Set(try harness.tally(60).keys) == ["pod-0", "pod-1"])
            // The sync is logged once it is in the kernel: a moment after traffic sees it.
            try await eventually(seconds: 10) { harness.log.contains("nftables ip kube-proxy partial sync") }
            let table = try harness.network.node.run(["nft", "list", "table", "ip", "kube-proxy"]).check().stdout
            #expect(table.contains("10.96.0.10 . tcp . 80 : goto service-"))
            let nat = try harness.network.node.run(["iptables-legacy-save", "-t", "nat"], environment: ["XTABLES_LOCKFILE": harness.lockFile])
            #expect(!nat.stdout.contains("KUBE-SERVICES"), "\(nat.stdout)")
            #expect(try harness.metric(#"kubeproxy_sync_proxy_rules_nftables_sync_failures_total{ip_family="IPv4"} "#) == 0)
            // The cluster's service ranges are followed: a new range is written by a full sync.
            #expect(table.contains("ip daddr 10.96.0.0/16 drop"), "\(table)")
            let before = harness.log
            harness.server.apply(.serviceCIDR("second", cidrs: ["10.100.0.0/16", "fd00:10:100::/112"]))
            try await eventually(seconds: 30) { harness.log.dropFirst(before.count).contains("nftables ip kube-proxy full sync") }
            let widened = try harness.network.node.run(["nft", "list", "chain", "ip", "kube-proxy", "cluster-ips-check"]).check().stdout
            #expect(widened.contains("ip daddr { 10.96.0.0/16, 10.100.0.0/16 } drop"), "\(widened)")
        }
    }

    /// A restarted agent in nftables mode takes over the table it finds, as kube-proxy does
    /// on start: it rewrites it in full, with what changed while it was down (an endpoint
    /// gone: its chain flushed), and the old table routes traffic until then.
    @Test func aRestartedNftablesAgentTakesOverItsTable() async throws {
        try await Self.withAgent(configuration: "mode: nftables") { harness in
            let first = try harness.startAgent()
            try await eventually(seconds: 60) { harness.log.contains("nftables ip kube-proxy full sync") }
            kill(first.processIdentifier, SIGKILL)
            first.waitUntilExit()
            harness.server.apply(Self.web([0, 1]))
            #expect(Set(try harness.tally(30).keys) == ["pod-0", "pod-1", "pod-2"], "the old table still routes")
            let before = harness.log
            let second = try harness.startAgent()
            defer { kill(second.processIdentifier, SIGKILL); second.waitUntilExit() }
            try await eventually(seconds: 60) { harness.log.dropFirst(before.count).contains("nftables ip kube-proxy full sync") }
            let restart = String(harness.log.dropFirst(before.count))
            #expect(restart.contains("1 stale chains flushed"), "\(restart)")
            #expect(Set(try harness.tally(60).keys) == ["pod-0", "pod-1"])
        }
    }

    /// A UDP client keeping its socket follows its endpoint's replacement within a sync,
    /// and the deleted flow is counted under kube-proxy's metric names.
    @Test func aUDPFlowMovesWithItsEndpoint() async throws {
        try await Self.withAgent { harness in
            let servers = try (0..<2).map { try NameServer.start(name: "pod-\($0)", port: 5353, udp: true, in: harness.network.pods[$0]) }
            defer { servers.forEach { $0.stop() } }
            harness.server.apply(.service("dns", clusterIP: "10.96.0.53", ports: [("", 5353)], protocol: "UDP"))
            func dns(_ pod: Int) -> ServedObject {
                .endpointSlice("dns-1", service: "dns", endpoints: [(PodNetwork.podIP(pod), "node-a")], port: ("", 5353), protocol: "UDP")
            }
            harness.server.apply(dns(0))
            let agent = try harness.startAgent()
            defer { kill(agent.processIdentifier, SIGKILL); agent.waitUntilExit() }
            let client = try DatagramPinger.start(to: "10.96.0.53", port: 5353, in: harness.network.pods[3])
            defer { client.stop() }
            try await eventually(seconds: 60) { client.received.count >= 3 }
            #expect(Set(client.received.map(\.name)) == ["pod-0"])
            // A datagram sent before the first sync made a flow that was never translated;
            // the first sync deleted it already. What the replacement deletes is counted on top.
            let deleted = #"kubeproxy_conntrack_reconciler_deleted_entries_total{ip_family="IPv4"} "#
            let before = try harness.metric(deleted) ?? 0
            harness.server.apply(dns(1))
            try await eventually(seconds: 30) { client.received.last?.name == "pod-1" }
            #expect(try harness.metric(deleted) == before + 1)
            #expect(try harness.metric(#"kubeproxy_conntrack_reconciler_sync_duration_seconds_count{ip_family="IPv4"} "#) ?? 0 >= 1)
            #expect(harness.log.contains("conntrack IPv4: 1 stale UDP/SCTP entries deleted"), "\(harness.log)")
        }
    }

    @Test func healthTurnsUnhealthyWhileSyncsAreBlocked() async throws {
        try await Self.withAgent { harness in
            let agent = try harness.startAgent()
            defer { kill(agent.processIdentifier, SIGKILL); agent.waitUntilExit() }
            try await eventually(seconds: 60) { (try? harness.get(10256, "/healthz"))?.status == 200 && harness.log.contains("full sync") }
            // Someone holds the xtables lock: syncs cannot apply, a change waits.
            let lock = open(harness.lockFile, O_RDWR | O_CREAT, 0o600)
            #expect(flock(lock, LOCK_EX) == 0)
            harness.server.apply(Self.web([0]))
            try await eventually(seconds: 30) { (try? harness.get(10256, "/healthz"))?.status == 503 }
            #expect(try harness.get(10256, "/livez").status == 503)
            flock(lock, LOCK_UN)
            close(lock)
            try await eventually(seconds: 30) { (try? harness.get(10256, "/healthz"))?.status == 200 }
            #expect(try harness.tally(20) == ["pod-0": 20])
        }
    }

    @Test func healthCheckNodePortsAnswerOnNodePortAddresses() async throws {
        try await Self.withAgent(configuration: "nodePortAddresses: [10.0.0.0/24]") { harness in
            let agent = try harness.startAgent()
            defer { kill(agent.processIdentifier, SIGKILL); agent.waitUntilExit() }
            harness.server.apply(.localLoadBalancer("edge", clusterIP: "10.96.0.30", healthCheckNodePort: 32100))
            harness.server.apply(.endpointSlice("edge-1", service: "edge", endpoints: [(PodNetwork.podIP(0), "node-a"),
                                                                                      (PodNetwork.podIP(1), "node-b")],
                                                port: ("", 8080)))
            // From outside, to the node's IP: one ready endpoint here.
            try await eventually(seconds: 60) {
                (try? harness.network.outside.inside { try Socket.httpGet(PodNetwork.nodeIP, 32100, "/") })?.status == 200
            }
            let answer = try harness.network.outside.inside { try Socket.httpGet(PodNetwork.nodeIP, 32100, "/anything") }
            #expect(answer.body.contains(#""localEndpoints": 1"#), "\(answer.body)")
            #expect(answer.body.contains(#""name": "edge""#))
            // Only on the node's IPs within nodePortAddresses, not on loopback.
            #expect((try? harness.network.node.inside { try Socket.httpGet("127.0.0.1", 32100, "/") }) == nil)
            // No ready endpoint here any more: 503. The Service gone: the port closes.
            harness.server.apply(.endpointSlice("edge-1", service: "edge", endpoints: [(PodNetwork.podIP(1), "node-b")],
                                                port: ("", 8080)))
            try await eventually(seconds: 30) {
                (try? harness.network.outside.inside { try Socket.httpGet(PodNetwork.nodeIP, 32100, "/") })?.status == 503
            }
            harness.server.delete(.localLoadBalancer("edge", clusterIP: "10.96.0.30", healthCheckNodePort: 32100))
            try await eventually(seconds: 30) {
                (try? harness.network.outside.inside { try Socket.httpGet(PodNetwork.nodeIP, 32100, "/") }) == nil
            }
        }
    }

    @Test func aRestartedAgentResumesWithoutRewriting() async throws {
        try await Self.withAgent { harness in
            let first = try harness.startAgent()
            try await eventually(seconds: 60) { harness.log.contains("iptables full sync") }
            kill(first.processIdentifier, SIGKILL)
            first.waitUntilExit()
            let before = harness.log
            let second = try harness.startAgent()
            try await eventually(seconds: 60) { harness.log.dropFirst(before.count).contains("iptables full sync") }
            #expect(harness.log.dropFirst(before.count).contains("iptables full sync: filter: unchanged; nat: unchanged"),
                    "\(harness.log.dropFirst(before.count))")
            // SIGTERM ends it cleanly; the rules stay.
            kill(second.processIdentifier, SIGTERM)
            second.waitUntilExit()
            #expect(second.terminationStatus == 0, "\(harness.log)")
            #expect(try legacySave(harness.network.node, table: "nat").contains("KUBE-SVC-"))
            #expect(Set(try harness.tally(30).keys) == ["pod-0", "pod-1", "pod-2"])
        }
    }
}
