import Foundation
import IptablesBackend
import LocalAPIServer
import ProxyCore

/// The agent's own memory: `kproxy-iptables agent` as a child process in a throwaway
/// namespace, against a loopback API server listening inside that namespace, before and
/// after a churn of endpoint changes. Its readiness and progress are read from its own
/// `/metrics`, its memory from `/proc`.
struct AgentProcessBenchmark {
    var cluster: AgentBenchmark
    var executable: String

    struct Result {
        var residentStartMB = 0.0
        var residentEndMB = 0.0
        var peakMB = 0.0
        var churnChanges = 0
    }

    func measure() async throws -> Result {
        let namespace = try NetworkNamespace.create(prefix: "kpx-bench")
        defer { namespace.delete() }
        let socket = try namespace.inside { try LoopbackAPIServer.loopbackListeningSocket() }
        let server = try await LoopbackAPIServer.start(boundSocket: socket)
        cluster.load(into: server)
        let directory = NSTemporaryDirectory() + "kproxy-bench-agent-\(getpid())"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try server.kubeconfig.write(toFile: directory + "/kubeconfig", atomically: true, encoding: .utf8)
        try """
            apiVersion: kubeproxy.config.k8s.io/v1alpha1
            kind: KubeProxyConfiguration
            hostnameOverride: \(AgentBenchmark.nodeName)
            clusterCIDR: 10.244.0.0/16
            metricsBindAddress: 127.0.0.1:10249
            healthzBindAddress: 127.0.0.1:10256
            """.write(toFile: directory + "/config.yaml", atomically: true, encoding: .utf8)
        let agent = try BenchChild.start(
            [ChildProcess.executablePath("ip") ?? "/usr/sbin/ip", "netns", "exec", namespace.name, executable, "agent",
             "--backend", "libiptc", "--kubeconfig", directory + "/kubeconfig", "--config", directory + "/config.yaml"],
            environment: ["XTABLES_LOCKFILE": cluster.lockPath])
        defer { agent.stop() }
        var result = Result()
        benchProgress("agent process: waiting for its first sync")
        try await waitForSync(after: 0, in: namespace)
        result.residentStartMB = Double(ChildProcess.residentKilobytes(of: agent.pid) ?? 0) / 1024
        benchProgress("agent process: \(cluster.churnSeconds) s of churn at \(cluster.churnRate) endpoint changes a second")
        let churnEnd = ContinuousClock.now + .seconds(cluster.churnSeconds)
        var generation = 1
        while ContinuousClock.now < churnEnd {
            server.apply(cluster.slice(generation * 7919 % cluster.services, generation: generation))
            generation += 1
            result.churnChanges += 1
            try await Task.sleep(for: .milliseconds(1000 / max(1, cluster.churnRate)))
        }
        try await waitForSync(after: Date().timeIntervalSince1970, in: namespace)
        result.residentEndMB = Double(ChildProcess.residentKilobytes(of: agent.pid) ?? 0) / 1024
        result.peakMB = Double(ChildProcess.peakResidentKilobytes(of: agent.pid) ?? 0) / 1024
        await server.stop()
        return result
    }

    /// Waits until the agent's last successful sync is later than `time` (seconds since
    /// 1970) and no change waits.
    private func waitForSync(after time: Double, in namespace: NetworkNamespace) async throws {
        let deadline = ContinuousClock.now + .seconds(600)
        while ContinuousClock.now < deadline {
            let metrics = (try? namespace.inside { try Self.get(port: 10249, path: "/metrics") }) ?? ""
            let last = Self.value(of: "kubeproxy_sync_proxy_rules_last_timestamp_seconds{", in: metrics) ?? 0
            let pending = Self.value(of: "kubeproxy_sync_proxy_rules_endpoint_changes_pending ", in: metrics) ?? 1
            if last > time, pending == 0 { return }
            try await Task.sleep(for: .milliseconds(200))
        }
        throw BenchError("the agent process did not sync within 600 s")
    }

    /// The value of the first sample line starting with `prefix`.
    static func value(of prefix: String, in text: String) -> Double? {
        guard let line = text.split(separator: "\n").first(where: { $0.hasPrefix(prefix) }) else { return nil }
        return line.split(separator: " ").last.flatMap { Double($0) }
    }

    /// GETs `path` from 127.0.0.1:`port` (in the calling thread's namespace); the body.
    static func get(port: UInt16, path: String) throws -> String {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(descriptor) }
        guard IPv4Socket.connect(descriptor, to: IPv4Socket.address(IPv4Socket.loopback, port: Int(port))) == 0 else { throw BenchError("cannot connect to 127.0.0.1:\(port)") }
        let request = Array("GET \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n".utf8)
        _ = request.withUnsafeBytes { send(descriptor, $0.baseAddress, $0.count, 0) }
        var reply: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while true {
            let count = read(descriptor, &buffer, buffer.count)
            if count <= 0 { break }
            reply += buffer[0..<count]
        }
        let text = String(decoding: reply, as: UTF8.self)
        return text.range(of: "\r\n\r\n").map { String(text[$0.upperBound...]) } ?? ""
    }
}
