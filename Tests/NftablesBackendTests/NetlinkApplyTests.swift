import KProxyTestSupport
import NftablesBackend
import ProxyCore
import ServiceModel
import Testing

/// Our netlink batches against nft's own reading of the same transaction: for every case
/// (each iptables reference case planned in nftables mode, and kube-proxy's overall case)
/// the kernel lists the same table whichever way the full sync went in; a refused batch
/// changes nothing and names the command.
@Suite(.enabled(if: NetworkNamespace.isAvailable && NetworkNamespace.which("nft") != nil,
                "needs root, ip and nft (apt install nftables)"))
struct NetlinkApplyTests {
    static func compare(_ ruleset: NftRuleset) throws {
        let transaction = NftTransaction.fullSync(ruleset, installed: NftInstalledNames(), recreatingBaseChains: true)
        try NetworkNamespace.with(count: 2) { namespaces in
            try namespaces[0].inside { try NftablesApplier().apply(transaction) }
            try namespaces[1].run(["nft", "-f", "-"], input: transaction.text).check()
            let tables = try namespaces.map { try NftListing.lines($0, family: ruleset.tableFamily) }
            let onlyNetlink = tables[0].filter { !tables[1].contains($0) }, onlyText = tables[1].filter { !tables[0].contains($0) }
            #expect(onlyNetlink.isEmpty && onlyText.isEmpty,
                    "only after the batch: \(onlyNetlink.joined(separator: "\n"))\nonly after nft -f: \(onlyText.joined(separator: "\n"))")
        }
    }

    @Test(arguments: FixtureRun.all)
    func eachCaseListsAsNftWritesIt(_ run: FixtureRun) throws {
        try Self.compare(try LiveTableTests.plan(run))
    }

    @Test func kubeProxysOverallCaseListsAsNftWritesIt() throws {
        try Self.compare(try KubeProxyParityTests.plan("overall"))
    }

    /// Address tests the cases do not hold: every address, prefixes off byte boundaries,
    /// overlapping and adjacent ranges (merged), the last address, IPv6.
    @Test(arguments: [
        (IPFamily.ipv4, ["0.0.0.0/0"]), (.ipv4, ["10.0.0.0/8", "0.0.0.0/0"]), (.ipv4, ["192.0.2.0/25"]),
        (.ipv4, ["192.0.2.0/25", "192.0.2.128/25", "198.51.100.7/32"]), (.ipv4, ["10.0.0.0/8", "10.1.0.0/16"]),
        (.ipv4, ["255.255.255.255/32", "1.2.3.4/32"]), (.ipv6, ["2001:db8::/33", "fd00::1/128"]), (.ipv6, ["::/0"]),
    ])
    func addressTestsListAsNftWritesThem(_ family: IPFamily, _ ranges: [String]) throws {
        let members = ranges.map { AddressMatch.network(IPPrefix($0)!) }
        let rules = [NftRule([.source(NftAddressTest(.anonymousSet(members), negated: true))], .verdict(.drop)),
                     NftRule([.destination(NftAddressTest(.anonymousSet(Array(members.prefix(1)))))], .verdict(.accept))]
        try Self.compare(NftRuleset(family: family, chains: [NftChain("firewall-test", rules: rules)]))
    }

    @Test func aRefusedBatchChangesNothingAndNamesTheCommand() throws {
        let ruleset = try KubeProxyParityTests.plan("overall")
        try NetworkNamespace.with { namespace in
            try namespace.inside { try NftablesApplier().apply(NftTransaction.creating(ruleset)) }
            let before = try NftListing.lines(namespace, family: "ip")
            var transaction = NftTransaction(family: .ipv4, commands: [.flushChain("services"),
                                                                        .addRule(chain: "no-such-chain", NftRule(.verdict(.drop)))])
            let refused = transaction
            let error = try namespace.inside { () -> NftablesError? in
                do throws(NftablesError) { try NftablesApplier().apply(refused); return nil } catch { return error }
            }
            #expect(error?.message.contains("No such file or directory: add rule ip kube-proxy no-such-chain drop") == true,
                    "\(String(describing: error))")
            #expect(try NftListing.lines(namespace, family: "ip") == before)
            transaction.commands.removeLast()
            let flush = transaction
            try namespace.inside { try NftablesApplier().apply(flush) }
            #expect(try NftListing.ruleCounts(namespace, family: "ip")["services"] == 0)
        }
    }
}
