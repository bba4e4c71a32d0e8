import KProxyTestSupport
import NftablesBackend
import ProxyCore
import ServiceModel
import Testing

/// The table read back from the kernel (`diff`, `trace --live`, `verify --live`): after a
/// full sync of each case (every iptables reference case planned in nftables mode, and
/// kube-proxy's overall case), every rule reads back and the diff against the plan is empty;
/// after someone changes the table, the diff shows where.
@Suite(.enabled(if: NetworkNamespace.isAvailable && NetworkNamespace.which("nft") != nil,
                "needs root, ip and nft (apt install nftables)"))
struct LiveTableTests {
    static func plan(_ run: FixtureRun) throws -> NftRuleset {
        let input = try run.planningInput()
        return NftablesPlanner(settings: input.settings, serviceCIDRs: input.serviceCIDRs).plan(input.catalog)
    }

    /// Applies `ruleset` in a namespace, lets `change` alter it there, and reads it back.
    static func readBack(_ ruleset: NftRuleset, change: [String] = []) throws -> NftLiveTable {
        let text = NftTransaction.fullSync(ruleset, installed: NftInstalledNames(), recreatingBaseChains: true).text
        return try NetworkNamespace.with { namespace in
            try namespace.run(["nft", "-f", "-"], input: text).check()
            if !change.isEmpty { try namespace.run(["nft"] + change).check() }
            let family = ruleset.family
            return try namespace.inside { try NftLiveTable.read(family: family) }
        }
    }

    @Test(arguments: FixtureRun.all)
    func aSyncedCaseReadsBackAsPlanned(_ run: FixtureRun) throws {
        let ruleset = try Self.plan(run)
        let live = try Self.readBack(ruleset)
        #expect(live.exists)
        #expect(live.unreadable.isEmpty, "\(live.unreadable)")
        let diff = NftTableDiff(live: live, desired: ruleset)
        #expect(diff.isEmpty, "\(diff.text)")
    }

    @Test func kubeProxysOverallCaseReadsBackAsPlanned() throws {
        let ruleset = try KubeProxyParityTests.plan("overall")
        let diff = NftTableDiff(live: try Self.readBack(ruleset), desired: ruleset)
        #expect(diff.isEmpty, "\(diff.text)")
    }

    /// Source ranges nft merges (adjacent, overlapping, every address) read back as the
    /// same intervals the plan asks for.
    @Test(arguments: [["192.0.2.0/25", "192.0.2.128/25", "198.51.100.7/32"], ["10.0.0.0/8", "10.1.0.0/16"],
                      ["10.0.0.0/8", "0.0.0.0/0"], ["10.0.0.0/9", "10.128.0.0/10", "203.0.113.0/24"]])
    func mergedRangesReadBackAsPlanned(_ ranges: [String]) throws {
        let members = ranges.map { AddressMatch.network(IPPrefix($0)!) }
        let ruleset = NftRuleset(family: .ipv4, chains: [NftChain("firewall-test", rules: [
            NftRule([.source(NftAddressTest(.anonymousSet(members), negated: true))], .verdict(.drop)),
        ])])
        let live = try Self.readBack(ruleset)
        #expect(live.unreadable.isEmpty, "\(live.unreadable)")
        let diff = NftTableDiff(live: live, desired: ruleset)
        #expect(diff.isEmpty, "\(diff.text)")
    }

    struct Drift: Sendable, CustomTestStringConvertible {
        var change: [String]
        var heading: String
        var line: String
        var testDescription: String { change.joined(separator: " ") }
    }

    @Test(arguments: [
        Drift(change: ["flush", "chain", "ip", "kube-proxy", "service-ULMVA6XW-ns1/svc1/tcp/p80"],
              heading: "@@ chain service-ULMVA6XW-ns1/svc1/tcp/p80 @@", line: "+ip daddr 172.30.0.41 tcp dport 80"),
        Drift(change: ["delete", "element", "ip", "kube-proxy", "cluster-ips", "{ 172.30.0.41 }"],
              heading: "@@ set cluster-ips @@", line: "+172.30.0.41"),
        Drift(change: ["add", "rule", "ip", "kube-proxy", "services", "counter"],
              heading: "@@ rules kproxy-iptables cannot read @@", line: "-services: "),
        Drift(change: ["add", "chain", "ip", "kube-proxy", "service-XXXXXXXX-gone/svc/tcp/p1"],
              heading: "@@ chain service-XXXXXXXX-gone/svc/tcp/p1 (stale: not planned) @@", line: ""),
    ])
    func aChangedTableShowsWhere(_ drift: Drift) throws {
        let ruleset = try KubeProxyParityTests.plan("overall")
        let diff = NftTableDiff(live: try Self.readBack(ruleset, change: drift.change), desired: ruleset)
        #expect(diff.text.contains(drift.heading + "\n" + drift.line), "\(diff.text)")
    }
}
