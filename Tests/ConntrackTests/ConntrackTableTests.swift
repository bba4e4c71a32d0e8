import Conntrack
import Foundation
import KProxyTestSupport
import ProxyCore
import ServiceModel
import Testing

/// Why the kernel tests cannot run here, or `nil`.
let conntrackUnavailable: String? = NetworkNamespace.unavailableReason
    ?? (NetworkNamespace.which("conntrack") == nil ? "needs the conntrack tool (apt install conntrack)" : nil)

/// The netlink session reads what the `conntrack` tool reads, and deletes what it names,
/// in both families: a UDP datagram over loopback in a throwaway namespace, whose tables
/// get one conntrack rule so that the kernel tracks its connections.
@Suite(.enabled(if: conntrackUnavailable == nil, "\(conntrackUnavailable ?? "")"))
struct ConntrackTableTests {
    struct Family: Sendable, CustomTestStringConvertible {
        var family: IPFamily
        var loopback: String
        var iptables: String
        var testDescription: String { family.rawValue }
    }

    static let families = [
        Family(family: .ipv4, loopback: "127.0.0.1", iptables: "iptables-legacy"),
        Family(family: .ipv6, loopback: "::1", iptables: "ip6tables-legacy"),
    ]

    @Test(arguments: families)
    func listsAndDeletesWhatTheKernelTracks(_ row: Family) throws {
        let lock = FileManager.default.temporaryDirectory.appendingPathComponent("kproxy-conntrack-\(getpid()).lock").path
        defer { try? FileManager.default.removeItem(atPath: lock) }
        try NetworkNamespace.with { namespace in
            try namespace.run(["ip", "link", "set", "lo", "up"]).check()
            try namespace.run([row.iptables, "-A", "OUTPUT", "-m", "conntrack", "--ctstate", "NEW", "-j", "ACCEPT"],
                              environment: ["XTABLES_LOCKFILE": lock]).check()
            try namespace.run(["bash", "-c", "echo ping > /dev/udp/\(row.loopback)/40002"]).check()
            let tool = try namespace.run(["conntrack", "-L", "-f", row.family == .ipv6 ? "ipv6" : "ipv4", "-p", "udp",
                                          "--dport", "40002"]).check().stdout
            let sourcePort = try #require(tool.firstMatch(of: /sport=(\d+)/).flatMap { Int($0.1) }, "\(tool)")

            let family = row.family
            let listed = try namespace.inside { try ConntrackTable(family: family).entries(of: [.udp]) }
            let entry = try #require(listed.first { $0.originalDestinationPort == 40002 }, "\(listed)")
            let loopback = try #require(IPAddress(row.loopback))
            #expect(entry == ConntrackEntry(protocol: .udp, originalSource: loopback, originalSourcePort: sourcePort,
                                            originalDestination: loopback, originalDestinationPort: 40002, replySource: loopback))
            #expect(try namespace.inside { try ConntrackTable(family: family).entries(of: [.sctp]) }.isEmpty)

            #expect(try namespace.inside { try ConntrackTable(family: family).delete(entry) })
            let after = try namespace.run(["conntrack", "-L", "-f", row.family == .ipv6 ? "ipv6" : "ipv4", "-p", "udp"]).stdout
            #expect(!after.contains("dport=40002"), "\(after)")
            #expect(try namespace.inside { try ConntrackTable(family: family).delete(entry) } == false)
        }
    }
}
