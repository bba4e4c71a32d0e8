import Foundation
import IngressProxy
import ProxyCore
#if canImport(Glibc)
import Glibc
#endif

/// Our Ingress proxy against nginx configured as ingress-nginx configures it, in the same
/// run: the same route (one Ingress host, one Service of two endpoints), the same backend
/// (one nginx worker answering a short body on two ports), the same certificate, both
/// proxies with one worker (event loop) per core and no access log; `wrk` drives each in
/// turn over HTTP/1.1 keep-alive and over HTTPS, the order alternating from round to round.
/// Over HTTP a third takes its turn: a NIO byte relay with no HTTP in it (``ByteRelay``),
/// the floor under any proxy on NIO.
struct IngressBenchmark {
    static let host = "bench.example.com"

    var seconds: Int
    var connections: Int
    var rounds: Int
    var workers: Int
    /// This program, to run `ingress` from.
    var executable: String

    /// The proxies and the two schemes.
    enum Proxy: String, CaseIterable { case ours = "Ours", nginx = "Nginx", relay = "Relay" }
    enum Scheme: String, CaseIterable {
        case http = "HTTP", https = "HTTPS"

        /// The proxies driven over this scheme (the relay knows no TLS).
        var proxies: [Proxy] { self == .http ? Proxy.allCases : [.ours, .nginx] }
    }

    /// Every wrk report, and the proxy's CPU time a request in that run (µs), by proxy and
    /// scheme.
    struct Result {
        var reports: [String: [WrkReport]] = [:]
        var cpuMicrosecondsPerRequest: [String: [Double]] = [:]

        static func key(_ proxy: Proxy, _ scheme: Scheme) -> String { scheme.rawValue + proxy.rawValue }
    }

    /// Why the comparison cannot run here, or `nil`.
    static var unavailableReason: String? {
        let missing = ["nginx", "wrk"].filter { ChildProcess.executablePath($0) == nil }
        return missing.isEmpty ? nil : "--ingress needs \(missing.joined(separator: " and ")) (apt: nginx wrk)"
    }

    func measure() throws -> Result {
        let directory = NSTemporaryDirectory() + "kproxy-bench-ingress-\(getpid())"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let ports = try FreePorts.take(7)
        let backendPorts = Array(ports[0..<2])
        let listeners: [Proxy: (http: Int, https: Int)] = [.nginx: (ports[2], ports[3]), .ours: (ports[4], ports[5]),
                                                           .relay: (ports[6], ports[6])]
        let pem = try TLSCertificate.selfSignedPEM(commonName: Self.host, dnsNames: [Self.host])
        try pem.certificate.write(toFile: directory + "/tls.crt", atomically: true, encoding: .utf8)
        try pem.key.write(toFile: directory + "/tls.key", atomically: true, encoding: .utf8)
        try NginxConfigurations.backend(directory: directory, ports: backendPorts)
            .write(toFile: directory + "/backend.conf", atomically: true, encoding: .utf8)
        try NginxConfigurations.proxy(directory: directory, workers: workers, httpPort: listeners[.nginx]!.http,
                                      httpsPort: listeners[.nginx]!.https, backendPorts: backendPorts)
            .write(toFile: directory + "/proxy.conf", atomically: true, encoding: .utf8)
        try FileManager.default.createDirectory(atPath: directory + "/manifests", withIntermediateDirectories: true)
        try Self.manifests(backendPorts: backendPorts, pem: pem)
            .write(toFile: directory + "/manifests/cluster.yaml", atomically: true, encoding: .utf8)

        let nginx = ChildProcess.executablePath("nginx") ?? "nginx"
        let backend = try BenchChild.start([nginx, "-p", directory, "-c", directory + "/backend.conf"])
        defer { backend.stop() }
        let proxyNginx = try BenchChild.start([nginx, "-p", directory, "-c", directory + "/proxy.conf"])
        defer { proxyNginx.stop() }
        let ours = try BenchChild.start([executable, "ingress", "-f", directory + "/manifests", "--address", "127.0.0.1",
                                         "--http-port", String(listeners[.ours]!.http), "--https-port", String(listeners[.ours]!.https),
                                         "--metrics-port", "0", "--threads", String(workers), "--no-access-log"])
        defer { ours.stop() }
        // In this process, which only waits for wrk while the relay is driven.
        let relay = try ByteRelay(port: listeners[.relay]!.http, endpointPorts: backendPorts, threads: workers)
        defer { relay.stop() }
        for port in backendPorts + ports[2...] { try FreePorts.waitForListener(port) }
        let processes: [Proxy: () -> [pid_t]] = [.ours: { [ours.pid] }, .nginx: { ProcessCPU.family(of: proxyNginx.pid) },
                                                 .relay: { [getpid()] }]

        var result = Result()
        for scheme in Scheme.allCases {
            for proxy in scheme.proxies { _ = try wrk(scheme, port: listeners[proxy]!, seconds: 1) }
            for round in 0..<rounds {
                let order = round % 2 == 0 ? scheme.proxies : scheme.proxies.reversed()
                for proxy in order {
                    benchProgress("ingress round \(round + 1) of \(rounds): \(scheme.rawValue) through \(proxy.name)")
                    let pids = processes[proxy]!()
                    let cpuBefore = ProcessCPU.seconds(pids)
                    let report = try wrk(scheme, port: listeners[proxy]!, seconds: seconds)
                    let cpu = ProcessCPU.seconds(pids) - cpuBefore
                    guard report.failures == 0 else {
                        throw BenchError("\(proxy) \(scheme): \(report.failures) failed requests; see \(directory)")
                    }
                    result.reports[Result.key(proxy, scheme), default: []].append(report)
                    result.cpuMicrosecondsPerRequest[Result.key(proxy, scheme), default: []]
                        .append(cpu * 1e6 / Double(max(1, report.requests)))
                }
            }
        }
        return result
    }

    /// One wrk run against a proxy's listener of `scheme`.
    private func wrk(_ scheme: Scheme, port: (http: Int, https: Int), seconds: Int) throws -> WrkReport {
        let url = scheme == .http ? "http://127.0.0.1:\(port.http)/" : "https://127.0.0.1:\(port.https)/"
        let output = try ChildProcess.run(["wrk", "-t1", "-c\(connections)", "-d\(seconds)s", "--latency",
                                           "-H", "Host: \(Self.host)", url], timeout: .seconds(seconds + 30))
        guard output.status == 0, let report = WrkReport(output.stdout) else {
            throw BenchError("wrk \(url) failed: \(output.stderr)\(output.stdout)")
        }
        return report
    }

    /// The Ingress, its Service and endpoints, and its TLS Secret, as our proxy reads them.
    static func manifests(backendPorts: [Int], pem: (certificate: String, key: String)) -> String {
        let encode = { (text: String) in Data(text.utf8).base64EncodedString() }
        var text = """
            apiVersion: networking.k8s.io/v1
            kind: Ingress
            metadata: {name: bench, namespace: bench}
            spec:
              tls: [{hosts: [\(host)], secretName: bench-tls}]
              rules:
              - host: \(host)
                http: {paths: [{path: /, pathType: Prefix, backend: {service: {name: backend, port: {number: 80}}}}]}
            ---
            apiVersion: v1
            kind: Secret
            metadata: {name: bench-tls, namespace: bench}
            type: kubernetes.io/tls
            data: {tls.crt: \(encode(pem.certificate)), tls.key: \(encode(pem.key))}
            ---
            apiVersion: v1
            kind: Service
            metadata: {name: backend, namespace: bench}
            spec:
              clusterIP: 10.96.0.10
              ports: [{name: http, port: 80, protocol: TCP}]

            """
        for (index, port) in backendPorts.enumerated() {
            text += """
                ---
                apiVersion: discovery.k8s.io/v1
                kind: EndpointSlice
                metadata: {name: backend-\(index), namespace: bench, labels: {kubernetes.io/service-name: backend}}
                addressType: IPv4
                ports: [{name: http, port: \(port), protocol: TCP}]
                endpoints: [{addresses: [127.0.0.1], conditions: {ready: true}}]

                """
        }
        return text
    }
}

extension IngressBenchmark.Proxy {
    /// As the progress lines name it.
    var name: String {
        switch self {
        case .ours: "kproxy-iptables"
        case .nginx: "nginx"
        case .relay: "the NIO byte relay"
        }
    }
}
