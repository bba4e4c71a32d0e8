import Foundation
import KProxyTestSupport
import ProxyCore
import Testing

/// `sync` in nftables mode (`mode: nftables` in the configuration, or `--proxy-mode`), in
/// network namespaces of its own: the kernel ends up holding kube-proxy's table, later syncs
/// follow changes and clean up after services that went away.
@Suite(.enabled(if: NetworkNamespace.isAvailable && NetworkNamespace.which("nft") != nil,
                "needs root, ip and nft (apt install nftables)"))
struct NftablesModeTests {
    static let overall = packagePath("Fixtures/nftables/overall")
    static let input = ["-f", overall + "/cluster.yaml", "--config", overall + "/kube-proxy.yaml"]

    @Test func aDryRunIsAFullSyncTheKernelAccepts() throws {
        let printed = try run(["sync", "--dry-run"] + Self.input)
        #expect(printed.status == 0, "\(printed.stderr)")
        #expect(printed.stdout.hasPrefix("add table ip kube-proxy"))
        try NetworkNamespace.with { namespace in
            let checked = try namespace.run(["nft", "-c", "-f", "-"], input: printed.stdout)
            #expect(checked.status == 0, "\(checked.stderr)")
        }
    }

    @Test func syncWritesKubeProxysTableAndFollowsChanges() throws {
        let theirs = try String(contentsOfFile: Self.overall + "/kube-proxy.nft", encoding: .utf8)
        try NetworkNamespace.with(count: 2) { namespaces in
            let synced = try cli(["sync"] + Self.input, in: namespaces[0])
            try #require(synced.status == 0, "\(synced.stderr)")
            #expect(synced.stderr.contains("commands in one transaction"), "\(synced.stderr)")
            try namespaces[1].run(["nft", "-f", "-"], input: NftListing.declarationsFirst(theirs)).check()
            #expect(try NftListing.lines(namespaces[0], family: "ip") == NftListing.lines(namespaces[1], family: "ip"))

            // svc1's endpoint moves and svc6 goes: the old endpoint chain is flushed, and
            // deleted by the next sync.
            let changed = FileManager.default.temporaryDirectory.appendingPathComponent("kpx-nft-\(getpid()).yaml").path
            defer { try? FileManager.default.removeItem(atPath: changed) }
            let cluster = try String(contentsOfFile: Self.overall + "/cluster.yaml", encoding: .utf8)
            let documents = cluster.components(separatedBy: "---\n").filter { !$0.contains("name: svc6\n") }
            try documents.joined(separator: "---\n").replacingOccurrences(of: "- 10.180.0.1\n", with: "- 10.180.0.9\n")
                .write(toFile: changed, atomically: true, encoding: .utf8)
            let changedInput = ["-f", changed, "--config", Self.overall + "/kube-proxy.yaml"]
            let oldEndpoint = "endpoint-5OJB2KTY-ns1/svc1/tcp/p80__10.180.0.1/80"
            #expect(try cli(["sync", "--verbose"] + changedInput, in: namespaces[0]).status == 0)
            var counts = try NftListing.ruleCounts(namespaces[0], family: "ip")
            #expect(counts[oldEndpoint] == 0, "the old endpoint chain is flushed, not yet deleted: \(counts[oldEndpoint] ?? -1)")
            let again = try cli(["sync", "--verbose"] + changedInput, in: namespaces[0])
            #expect(again.stderr.contains("delete \(oldEndpoint)"), "\(again.stderr)")
            counts = try NftListing.ruleCounts(namespaces[0], family: "ip")
            #expect(counts[oldEndpoint] == nil)

            // What is left is what a first sync of the changed input writes.
            try namespaces[1].run(["nft", "delete", "table", "ip", "kube-proxy"]).check()
            #expect(try cli(["sync"] + changedInput, in: namespaces[1]).status == 0)
            #expect(try NftListing.lines(namespaces[0], family: "ip") == NftListing.lines(namespaces[1], family: "ip"))
        }
    }

    /// As kube-proxy: a sync in one mode removes the other mode's rules, since both would act
    /// on every packet; `cleanup` removes both.
    @Test func switchingModesLeavesOneModesRules() throws {
        try NetworkNamespace.with { namespace in
            func kubeChains() throws -> Int {
                try legacySave(namespace).split(separator: "\n").filter { $0.hasPrefix(":KUBE-") }.count
            }
            func hasTable() throws -> Bool {
                try namespace.run(["nft", "list", "tables"]).check().stdout.contains("table ip kube-proxy")
            }
            let iptablesMode = ["--proxy-mode", "iptables", "--backend", "libiptc"]
            let nftablesMode = ["--proxy-mode", "nftables", "--backend", "libiptc"]
            #expect(try cli(["sync"] + Self.input + iptablesMode, in: namespace).status == 0)
            #expect(try kubeChains() > 0 && !hasTable())
            let toNftables = try cli(["sync"] + Self.input + nftablesMode, in: namespace)
            #expect(toNftables.stderr.contains("removed iptables mode's rules"), "\(toNftables.stderr)")
            #expect(try kubeChains() == 0 && hasTable())
            let toIptables = try cli(["sync"] + Self.input + iptablesMode, in: namespace)
            #expect(toIptables.stderr.contains("removed nftables mode's table ip kube-proxy"), "\(toIptables.stderr)")
            #expect(try kubeChains() > 0 && !hasTable())
            #expect(try cli(["sync"] + Self.input + nftablesMode, in: namespace).status == 0)
            let cleaned = try cli(["cleanup", "--backend", "libiptc"], in: namespace)
            #expect(cleaned.status == 0, "\(cleaned.stderr)")
            #expect(try kubeChains() == 0 && !hasTable())
        }
    }

    struct Traced: Sendable, CustomTestStringConvertible {
        var from: String
        var to: String
        var origin: [String] = []
        var outcomes: Set<String>
        var testDescription: String { "\(from) → \(to)" }
    }

    /// `trace` follows the packet through the planned table, forks at `numgen`.
    @Test(arguments: [
        Traced(from: "10.0.0.2", to: "172.30.0.44:80", outcomes: ["ACCEPT 10.180.0.4:80 (50.0%)", "ACCEPT 10.180.0.5:80 (50.0%)"]),
        Traced(from: "10.0.0.2", to: "172.30.0.46:80", outcomes: ["REJECT (100.0%)"]),
        Traced(from: "10.0.0.2", to: "172.30.0.99:80", outcomes: ["DROP (100.0%)"]),
        Traced(from: "203.0.113.130", to: "5.6.7.8:80", origin: ["--from-outside"], outcomes: ["DROP (100.0%)"]),
        Traced(from: "203.0.113.2", to: "5.6.7.8:80", origin: ["--from-outside"],
               outcomes: ["ACCEPT 10.180.0.3:80 masquerade (100.0%)"]),
        Traced(from: "203.0.113.2", to: "192.168.0.2:3001", origin: ["--from-outside"], outcomes: ["DROP (100.0%)"]),
    ])
    func traceFollowsThePlannedTable(_ row: Traced) throws {
        let result = try run(["trace", "--from", row.from, "--to", row.to] + row.origin + Self.input)
        #expect(result.status == 0, "\(result.stderr)")
        let outcomes = Set(result.stdout.split(separator: "\n").dropFirst().map { $0.trimmingCharacters(in: .whitespaces) })
        #expect(outcomes == row.outcomes, "\(result.stdout)")
    }

    @Test func verifyChecksThePlannedTableAgainstTheModel() throws {
        let result = try run(["verify"] + Self.input)
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
        #expect(result.stdout.contains("flows checked; every one ends where the model says"), "\(result.stdout)")
    }

    /// After a sync the kernel's table reads back as planned: `diff` is empty, `verify
    /// --live` and `trace --live` follow the kernel's table as they follow the plan. Once
    /// someone flushes a service chain, `diff --exit-code` shows it and exits 1, and the
    /// live commands see the loss.
    @Test func diffAndTheLiveCommandsReadTheKernelsTable() throws {
        try NetworkNamespace.with { namespace in
            let lock = ["--backend", "libiptc"]
            try #require(try cli(["sync"] + Self.input + lock, in: namespace).status == 0)
            let clean = try cli(["diff", "--exit-code"] + Self.input, in: namespace)
            #expect(clean.status == 0 && clean.stdout == "", "\(clean.stdout)\(clean.stderr)")
            let verified = try cli(["verify", "--live"] + Self.input, in: namespace)
            #expect(verified.status == 0, "\(verified.stdout)\(verified.stderr)")
            let trace = ["trace", "--live", "--from", "10.0.0.2", "--to", "172.30.0.44:80"] + Self.input
            #expect(try cli(trace, in: namespace).stdout.contains("ACCEPT 10.180.0.4:80 (50.0%)"))

            try namespace.run(["nft", "flush", "chain", "ip", "kube-proxy", "service-LAUZTJTB-ns4/svc4/tcp/p80"]).check()
            let drifted = try cli(["diff", "--exit-code"] + Self.input, in: namespace)
            #expect(drifted.status == 1)
            #expect(drifted.stdout.contains("@@ chain service-LAUZTJTB-ns4/svc4/tcp/p80 @@\n+ip daddr 172.30.0.44 tcp dport 80"),
                    "\(drifted.stdout)")
            #expect(try cli(["verify", "--live"] + Self.input, in: namespace).status == 1)
            #expect(!(try cli(trace, in: namespace).stdout.contains("10.180.0.4:80")))

            // A rule of someone else's is named, not guessed at.
            try namespace.run(["nft", "add", "rule", "ip", "kube-proxy", "services", "counter"]).check()
            let unreadable = try cli(["verify", "--live"] + Self.input, in: namespace)
            #expect(unreadable.status == 1 && unreadable.stderr.contains("1 rule(s) kproxy-iptables cannot read"),
                    "\(unreadable.stderr)")
        }
    }

    /// `sync --watch` in nftables mode: the steps of Fixtures/nftables-repeated, each
    /// synced in part (as many commands as the partial-sync table says) to the table a
    /// first sync of that step writes.
    @Test func watchSyncsEachChangeInPart() throws {
        let steps = packagePath("Fixtures/nftables-repeated")
        let config = ["--config", steps + "/kube-proxy.yaml"]
        try NetworkNamespace.with(count: 2) { namespaces in
            let directory = try temporaryDirectory()
            defer { try? FileManager.default.removeItem(at: directory) }
            let cluster = directory.appendingPathComponent("cluster.yaml").path
            try FileManager.default.copyItem(atPath: steps + "/01-start.yaml", toPath: cluster)
            let watching = try BackgroundCLI(["sync", "--watch", "--backend", "libiptc", "--min-sync-period", "0",
                                              "--sync-period", "3600", "-f", cluster] + config,
                                             in: namespaces[0], log: directory.appendingPathComponent("log").path)
            defer { watching.stop() }
            try #require(watching.waitFor("nftables ip kube-proxy full sync"), "\(watching.log)")
            for (step, commands) in [("02-add-svc3", 10), ("03-delete-svc2", 4), ("06-add-svc4-endpoints", 10)] {
                try FileManager.default.removeItem(atPath: cluster)
                try FileManager.default.copyItem(atPath: "\(steps)/\(step).yaml", toPath: cluster)
                #expect(watching.waitFor("partial sync: \(commands) commands in one transaction"), "\(step): \(watching.log)")
                try namespaces[1].run(["nft", "flush", "ruleset"]).check()
                #expect(try cli(["sync", "--backend", "libiptc", "-f", "\(steps)/\(step).yaml"] + config, in: namespaces[1]).status == 0)
                let flushed = try NftListing.ruleCounts(namespaces[0], family: "ip").filter { $0.key.contains("/") && $0.value == 0 }
                let kept = try NftListing.lines(namespaces[0], family: "ip").filter { line in
                    !flushed.keys.contains { line.contains($0.replacingOccurrences(of: "/", with: "\\/") + "\"") }
                }
                #expect(kept == (try NftListing.lines(namespaces[1], family: "ip")), "\(step)")
            }
            // A ServiceCIDR appearing in the files: its drop rule, written by a full sync.
            let range = "---\napiVersion: networking.k8s.io/v1\nkind: ServiceCIDR\nmetadata: {name: kubernetes}\nspec: {cidrs: [172.30.0.0/16]}\n"
            try (String(contentsOfFile: cluster, encoding: .utf8) + range).write(toFile: cluster, atomically: true, encoding: .utf8)
            #expect(watching.waitFor("nftables ip kube-proxy full sync", count: 2), "\(watching.log)")
            let check = try namespaces[0].run(["nft", "list", "chain", "ip", "kube-proxy", "cluster-ips-check"]).check().stdout
            #expect(check.contains("ip daddr 172.30.0.0/16 drop"), "\(check)")
        }
    }
}
