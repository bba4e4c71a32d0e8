import Foundation
@testable import IptablesBackend
import KProxyTestSupport
import ProxyCore
import Testing

/// The host's features, probed where the command runs, or given for another host.
@Suite struct HostFeaturesTests {
    struct Given: Sendable, CustomTestStringConvertible {
        var features: String
        var randomFully: Bool
        var invalidDrop: Bool
        var testDescription: String { features }
    }

    static let given: [Given] = [
        Given(features: "random-fully=no", randomFully: false, invalidDrop: true),
        Given(features: "tcp-be-liberal=yes", randomFully: true, invalidDrop: false),
        Given(features: "random-fully=yes,tcp-be-liberal=no", randomFully: true, invalidDrop: true),
    ]

    @Test(arguments: given)
    func givenFeaturesShapeTheRules(_ row: Given) throws {
        let result = try run(["sync", "--dry-run", "-f", "Fixtures/cases/kube-dns", "--host-features", row.features])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("-j MASQUERADE --random-fully") == row.randomFully)
        #expect(result.stdout.contains("--ctstate INVALID -j DROP") == row.invalidDrop)
    }

    @Test(arguments: ["random-fully", "random-fully=maybe", "conntrack=yes"])
    func unknownFeaturesAreAUsageError(_ features: String) throws {
        let result = try run(["sync", "--dry-run", "-f", "Fixtures/cases/kube-dns", "--host-features", features])
        #expect(result.status == 64)
        #expect(result.stderr.contains("--host-features"))
    }

    @Test(arguments: [("iptables v1.8.9 (nf_tables)", "v", [1, 8, 9]), ("iptables v1.6.1", "v", [1, 6, 1]),
                      ("6.1.0-28-amd64\n", "", [6, 1, 0]), ("no version here", "v", nil)] as [(String, String, [Int]?)])
    func versionsAreReadFromToolOutput(text: String, prefix: String, version: [Int]?) {
        #expect(HostProbe.version(in: text, after: prefix) == version)
    }
}

/// Probing reads the namespace the command runs in, and an apply sets route_localnet there.
@Suite(.enabled(if: kernelUnavailable == nil, "\(kernelUnavailable ?? "")"))
struct HostProbeTests {
    @Test func aLiberalConntrackDropsTheInvalidRule() throws {
        try NetworkNamespace.with { namespace in
            let input = ["-f", packagePath("Fixtures/cases/kube-dns")]
            let strict = try cli(["sync", "--dry-run", "--verbose"] + input, in: namespace)
            #expect(strict.stdout.contains("--ctstate INVALID -j DROP"))
            #expect(strict.stderr.contains("nf_conntrack_tcp_be_liberal=0"), "\(strict.stderr)")
            try namespace.run(["sysctl", "-qw", "net.netfilter.nf_conntrack_tcp_be_liberal=1"]).check()
            let liberal = try cli(["sync", "--dry-run", "--verbose"] + input, in: namespace)
            #expect(liberal.status == 0)
            #expect(!liberal.stdout.contains("INVALID"))
            #expect(liberal.stderr.contains("nf_conntrack_tcp_be_liberal=1: no INVALID drop rule"), "\(liberal.stderr)")
        }
    }

    @Test func applyingLocalhostNodePortsSetsRouteLocalnet() throws {
        try NetworkNamespace.with { namespace in
            let read = { try namespace.run(["cat", "/proc/sys/net/ipv4/conf/all/route_localnet"]).check().stdout }
            #expect(try read() == "0\n")
            let synced = try cli(["sync", "--backend", "libiptc", "-f", packagePath("Fixtures/cases/kube-dns")], in: namespace)
            #expect(synced.status == 0, "\(synced.stderr)")
            #expect(synced.stderr.contains("route_localnet set to 1"), "\(synced.stderr)")
            #expect(try read() == "1\n")
        }
    }
}

/// A command refused for want of privileges says to run it as root, whichever way it meets
/// the refusal: the xtables lock, libiptc's table read, the save tool, a sysctl.
@Suite(.enabled(if: kernelUnavailable == nil, "\(kernelUnavailable ?? "")"))
struct PermissionTests {
    struct Refused: Sendable, CustomTestStringConvertible {
        var arguments: [String]
        /// Where the lock lives: one the unprivileged user can create, so that libiptc
        /// itself is what refuses, or root's private one, which it cannot open.
        var lockWritable: Bool
        var refusal: String
        var testDescription: String { arguments.joined(separator: " ") }
    }

    static let manifests = ["-f", packagePath("Fixtures/cases/kube-dns")]
    static let refused: [Refused] = [
        Refused(arguments: ["cleanup", "--backend", "libiptc"], lockWritable: false, refusal: "cannot open the xtables lock"),
        Refused(arguments: ["cleanup", "--backend", "libiptc"], lockWritable: true, refusal: "read the table failed"),
        Refused(arguments: ["cleanup", "--backend", "iptables-nft"], lockWritable: true, refusal: "iptables-nft-save"),
        Refused(arguments: ["diff", "--backend", "iptables-nft"] + manifests, lockWritable: true, refusal: "iptables-nft-save"),
        Refused(arguments: ["sync", "--backend", "libiptc"] + manifests, lockWritable: true, refusal: "route_localnet"),
    ]

    @Test(arguments: refused)
    func refusalsSayRunAsRoot(_ row: Refused) throws {
        let lock = row.lockWritable ? FileManager.default.temporaryDirectory.appendingPathComponent("kproxy-nobody-\(getpid()).lock").path
                                    : privateLock
        if !row.lockWritable && !FileManager.default.fileExists(atPath: privateLock) {
            // Made here when no test before made it: nobody could create it in /tmp.
            FileManager.default.createFile(atPath: privateLock, contents: nil, attributes: [.posixPermissions: 0o600])
        }
        defer { if row.lockWritable { try? FileManager.default.removeItem(atPath: lock) } }
        try NetworkNamespace.with { namespace in
            let asNobody = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"]
            let result = try namespace.run(asNobody + [executable] + row.arguments, environment: ["XTABLES_LOCKFILE": lock])
            #expect(result.status == 1)
            #expect(result.stderr.contains(row.refusal), "\(result.stderr)")
            #expect(result.stderr.contains("— run as root (iptables needs CAP_NET_ADMIN)"), "\(result.stderr)")
        }
    }
}
