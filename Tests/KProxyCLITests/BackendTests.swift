import Foundation
import KProxyTestSupport
import ProxyCore
import Testing

/// The iptables-nft backend (hosts whose iptables is nf_tables), backend detection and `sync --watch`.
@Suite(.enabled(if: kernelUnavailable == nil && NetworkNamespace.which("iptables-nft-restore") != nil,
                "\(kernelUnavailable ?? "needs iptables-nft (apt install iptables)")"))
struct BackendTests {
    static let cases = ["overall-mixed", "session-affinity", "loadbalancer-source-ranges", "ports-and-protocols", "large-cluster"]

    @Test(arguments: cases)
    func iptablesNftBackendWritesWhatRestoreOfTheTextWrites(_ name: String) throws {
        try NetworkNamespace.with(count: 2) { namespaces in
            let input = ["-f", packagePath("Fixtures/cases/\(name)")]
            let synced = try cli(["sync", "--backend", "iptables-nft"] + input, in: namespaces[0])
            try #require(synced.status == 0, "\(synced.stderr)")
            let text = try run(["sync", "--dry-run"] + input).stdout
            try namespaces[1].run(["iptables-nft-restore"], input: text).check()
            let ours = try namespaces[0].run(["iptables-nft-save"]).check().stdout
            let theirs = try namespaces[1].run(["iptables-nft-save"]).check().stdout
            let strip = { (save: String) in
                save.split(separator: "\n").filter { line in
                    !line.hasPrefix("#") && !line.contains("KPROXY-CANARY")
                        && !["INPUT", "FORWARD", "OUTPUT", "PREROUTING", "POSTROUTING"].contains { line.hasPrefix("-A \($0) ") }
                }.sorted()
            }
            #expect(strip(ours) == strip(theirs))
            // The save form of every planned rule matches, so nothing is rewritten next time.
            let again = try cli(["sync", "--backend", "iptables-nft"] + input, in: namespaces[0])
            #expect(again.stderr.contains("full sync: filter: unchanged; nat: unchanged"), "\(again.stderr)")
        }
    }

    @Test func iptablesNftBackendCleansUpOnlyWhatItOwns() throws {
        try NetworkNamespace.with { namespace in
            for command in [["-A", "INPUT", "-s", "198.51.100.7", "-j", "DROP"], ["-t", "nat", "-N", "OTHER-NAT"],
                            ["-t", "nat", "-A", "PREROUTING", "-p", "udp", "--dport", "999", "-j", "OTHER-NAT"]] {
                try namespace.run(["iptables-nft"] + command).check()
            }
            let before = try namespace.run(["iptables-nft-save"]).check().stdout.split(separator: "\n").filter { !$0.hasPrefix("#") }
            let synced = try cli(["sync", "--backend", "iptables-nft", "-f", packagePath("Fixtures/cases/overall-mixed")], in: namespace)
            try #require(synced.status == 0, "\(synced.stderr)")
            let cleaned = try cli(["cleanup", "--backend", "iptables-nft", "--ip-family", "ipv4"], in: namespace)
            #expect(cleaned.status == 0, "\(cleaned.stderr)")
            let after = try namespace.run(["iptables-nft-save"]).check().stdout.split(separator: "\n").filter { !$0.hasPrefix("#") }
            #expect(after == before)
        }
    }

    @Test(arguments: [("iptables-legacy", "backend libiptc"), ("iptables-nft", "backend iptables-nft")])
    func autoPicksTheSideThatHoldsRules(tool: String, chosen: String) throws {
        try NetworkNamespace.with { namespace in
            try namespace.run([tool, "-A", "INPUT", "-s", "198.51.100.7", "-j", "DROP"], environment: ["XTABLES_LOCKFILE": privateLock]).check()
            let synced = try cli(["sync", "-f", packagePath("Fixtures/cases/kube-dns")], in: namespace)
            #expect(synced.status == 0, "\(synced.stderr)")
            #expect(synced.stderr.contains("kproxy-iptables: \(chosen) (1 rules in the"), "\(synced.stderr)")
        }
    }

    /// After a sync through iptables-nft-restore, `diff`, `verify --live` and `trace --live`
    /// read those tables (libiptc sees only the empty legacy ones), and `diff --exit-code`
    /// tells drift from agreement.
    @Test func nftTablesAreWhatDiffTraceAndVerifyRead() throws {
        try NetworkNamespace.with { namespace in
            let input = ["-f", packagePath("Fixtures/cases/overall-mixed")]
            let synced = try cli(["sync", "--backend", "iptables-nft"] + input, in: namespace)
            try #require(synced.status == 0, "\(synced.stderr)")
            let agreed = try cli(["diff", "--exit-code"] + input, in: namespace)
            #expect(agreed.status == 0 && agreed.stdout == "", "\(agreed.stdout)\(agreed.stderr)")
            #expect(agreed.stderr.contains("backend iptables-nft"), "\(agreed.stderr)")
            let verified = try cli(["verify", "--live"] + input, in: namespace)
            #expect(verified.status == 0 && verified.stdout.contains("flows checked"), "\(verified.stdout)\(verified.stderr)")
            let packet = ["--from", "10.244.1.5", "--to", "10.96.200.11:80"]
            let planned = try cli(["trace"] + input + packet, in: namespace)
            let live = try cli(["trace", "--live"] + input + packet, in: namespace)
            #expect(live.status == 0 && live.stdout == planned.stdout && live.stdout.contains("DNAT"), "\(live.stdout)\(live.stderr)")

            let nat = try namespace.run(["iptables-nft-save", "-t", "nat"]).check().stdout
            let service = try #require(nat.split(separator: "\n").first { $0.hasPrefix(":KUBE-SVC-") }?.dropFirst().prefix { $0 != " " })
            try namespace.run(["iptables-nft", "-t", "nat", "-F", String(service)]).check()
            let drifted = try cli(["diff", "--exit-code"] + input, in: namespace)
            #expect(drifted.status == 1 && drifted.stdout.contains("@@ nat \(service) @@"), "\(drifted.stdout)\(drifted.stderr)")
            #expect(try cli(["diff"] + input, in: namespace).status == 0, "without --exit-code, differences are not a failure")
        }
    }

    /// A rule another tool wrote that we cannot read stops `verify --live` and `trace --live`
    /// with the rule named, on either kind of host: it could decide any packet's fate.
    @Test(arguments: [("iptables-nft", "iptables-nft"), ("iptables-legacy", "libiptc")])
    func unreadableRulesAreListedNotSkipped(tool: String, backend: String) throws {
        try NetworkNamespace.with { namespace in
            let input = ["-f", packagePath("Fixtures/cases/kube-dns"), "--backend", backend]
            let synced = try cli(["sync"] + input, in: namespace)
            try #require(synced.status == 0, "\(synced.stderr)")
            try namespace.run([tool, "-w", "-A", "FORWARD", "-o", "eth9", "-j", "DROP"],
                              environment: ["XTABLES_LOCKFILE": privateLock]).check()
            for command in [["verify", "--live"], ["trace", "--live", "--from", "10.244.1.5", "--to", "10.96.0.10:53/udp"]] {
                let result = try cli(command + input, in: namespace)
                #expect(result.status == 1 && result.stdout == "", "\(result.stdout)")
                #expect(result.stderr.contains("1 rule(s) kproxy-iptables cannot read") && result.stderr.contains("filter -A FORWARD"),
                        "\(result.stderr)")
            }
        }
    }

    @Test func watchAppliesChangesAndRecoversAFlushedTable() throws {
        let fixture = "Fixtures/cases/sequence-add-endpoint"
        try NetworkNamespace.with { namespace in
            let directory = try temporaryDirectory()
            defer { try? FileManager.default.removeItem(at: directory) }
            let cluster = directory.appendingPathComponent("cluster.yaml").path
            try FileManager.default.copyItem(atPath: packagePath("\(fixture)/cluster.step1.yaml"), toPath: cluster)
            let watching = try BackgroundCLI(["sync", "--watch", "--verbose", "--backend", "libiptc",
                                              "--min-sync-period", "0", "--sync-period", "3600",
                                              "--config", packagePath("\(fixture)/kube-proxy.yaml"), "-f", cluster],
                                             in: namespace, log: directory.appendingPathComponent("log").path)
            defer { watching.stop() }
            let diffArguments = ["diff", "--config", packagePath("\(fixture)/kube-proxy.yaml"), "-f", cluster]
            try #require(watching.waitFor("watching"), "\(watching.log)")
            // An endpoint added: a partial sync writes that service's two chains.
            try FileManager.default.removeItem(atPath: cluster)
            try FileManager.default.copyItem(atPath: packagePath("\(fixture)/cluster.step2.yaml"), toPath: cluster)
            #expect(watching.waitFor("iptables partial sync"), "\(watching.log)")
            #expect(try cli(diffArguments, in: namespace).stdout == "")
            // Someone flushes and deletes everything in nat; the canary is gone, so the next
            // change brings a full sync that restores every chain.
            try namespace.run(["iptables-legacy", "-w", "-t", "nat", "-F"], environment: ["XTABLES_LOCKFILE": privateLock]).check()
            try namespace.run(["iptables-legacy", "-w", "-t", "nat", "-X"], environment: ["XTABLES_LOCKFILE": privateLock]).check()
            try FileManager.default.removeItem(atPath: cluster)
            try FileManager.default.copyItem(atPath: packagePath("\(fixture)/cluster.step1.yaml"), toPath: cluster)
            #expect(watching.waitFor("iptables full sync", count: 2), "\(watching.log)")
            #expect(try cli(diffArguments, in: namespace).stdout == "")
        }
    }
}
