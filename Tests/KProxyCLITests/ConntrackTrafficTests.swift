import Foundation
import KProxyTestSupport
import Testing

/// A UDP client that keeps its socket, as DNS clients do, moves to a new endpoint within the
/// sync that replaced the old one; without the cleanup its tracked flow keeps it on the old
/// endpoint. Pods 0 and 1 answer on UDP 5353, pod 2 sends to the service every 100 ms.
@Suite(.enabled(if: kernelUnavailable == nil, "\(kernelUnavailable ?? "")"))
struct ConntrackTrafficTests {
    struct Row: Sendable, CustomTestStringConvertible {
        var cleanup: Bool
        var answersAfterTheChange: String
        var testDescription: String { cleanup ? "with cleanup" : "without cleanup" }
    }

    static let rows = [
        Row(cleanup: true, answersAfterTheChange: "pod-1"),
        Row(cleanup: false, answersAfterTheChange: "pod-0"),
    ]

    static func cluster(endpoint: Int) -> [String: String] {
        [
            "kube-proxy.yaml": TrafficTests.configuration,
            "node.yaml": TrafficTests.node,
            "dns.yaml": TrafficTests.service("dns", ip: "10.96.0.53", port: 53, targetPort: 5353, protocolName: "UDP",
                                             endpoints: [endpoint]),
        ]
    }

    @Test(arguments: rows)
    func aReplacedEndpointTakesOverAUDPFlow(_ row: Row) throws {
        try PodNetwork.with(pods: 3) { network in
            let servers = try (0..<2).map { try NameServer.start(name: "pod-\($0)", port: 5353, udp: true, in: network.pods[$0]) }
            defer { servers.forEach { $0.stop() } }
            try withManifests(Self.cluster(endpoint: 0)) { directory in
                let sync = ["sync", "--backend", "libiptc", "-f", directory] + (row.cleanup ? [] : ["--no-conntrack-cleanup"])
                try #require(try cli(sync, in: network.node).status == 0)
                let client = try DatagramPinger.start(to: "10.96.0.53", port: 53, in: network.pods[2])
                defer { client.stop() }
                let deadline = ContinuousClock.now + .seconds(10)
                while client.received.count < 3 && ContinuousClock.now < deadline { Thread.sleep(forTimeInterval: 0.05) }
                #expect(Set(client.received.map(\.name)) == ["pod-0"])

                let replaced = try #require(Self.cluster(endpoint: 1)["dns.yaml"])
                try replaced.write(toFile: directory + "/dns.yaml", atomically: true, encoding: .utf8)
                let result = try cli(sync, in: network.node)
                let synced = ContinuousClock.now
                #expect(result.status == 0, "\(result.stderr)")
                #expect(result.stderr.contains("conntrack IPv4: 1 stale UDP/SCTP entries deleted") == row.cleanup, "\(result.stderr)")
                Thread.sleep(forTimeInterval: 1.2)
                // The datagram in flight while sync returned may still go either way.
                let after = client.received.filter { $0.at > synced + .milliseconds(150) }.map(\.name)
                #expect(after.count >= 5, "\(after)")
                #expect(Set(after) == [row.answersAfterTheChange], "\(after)")
            }
        }
    }
}
