import Foundation
import IptablesBackend
import KProxyTestSupport
import ProxyCore
import ServiceModel
import Testing

/// Every planned ruleset is accepted by the kernel's own parsers: iptables-legacy-restore
/// and iptables-nft-restore (ip6tables-* for IPv6) with `--test`, each run inside a network
/// namespace the test creates and deletes.
@Suite(.enabled(if: NetworkNamespace.isAvailable, "\(NetworkNamespace.unavailableReason ?? "")"))
struct RestoreAcceptanceTests {
    static let tools = ["legacy", "nft"]

    @Test(arguments: FixtureRun.all, tools)
    func restoreTestAccepts(_ run: FixtureRun, backend: String) throws {
        let ruleset = try plan(run)
        let tool = "\(ruleset.family == .ipv6 ? "ip6tables" : "iptables")-\(backend)-restore"
        try #require(NetworkNamespace.which(tool) != nil, "\(tool) is not installed (apt install iptables)")
        let output = try NetworkNamespace.with { namespace in
            try namespace.run([tool, "--test"], input: RestoreRenderer.text(ruleset))
        }
        #expect(output.status == 0, "\(tool) --test rejected \(run.golden): \(output.stderr)")
    }

    /// The parsers reject what they should, so acceptance above means something.
    @Test(arguments: tools)
    func restoreTestRejectsBrokenText(backend: String) throws {
        let tool = "iptables-\(backend)-restore"
        try #require(NetworkNamespace.which(tool) != nil, "\(tool) is not installed (apt install iptables)")
        let broken = "*nat\n:KUBE-SERVICES - [0:0]\n-A KUBE-SERVICES -m statistic --mode random --probability x -j ACCEPT\nCOMMIT\n"
        let output = try NetworkNamespace.with { namespace in
            try namespace.run([tool, "--test"], input: broken)
        }
        #expect(output.status != 0)
    }

    /// Generated models with hostile-looking but valid names and every Service shape.
    @Test(arguments: 0..<4)
    func generatedModelsAreAccepted(seed: UInt64) throws {
        var generator = ClusterGenerator(seed: seed)
        let cluster = generator.cluster(services: 25)
        for family in [IPFamily.ipv4, .ipv6] {
            let text = try plannedText(cluster.yaml(family: family), configuration: cluster.configuration,
                                       family: family)
            for backend in Self.tools {
                let tool = "\(family == .ipv6 ? "ip6tables" : "iptables")-\(backend)-restore"
                try #require(NetworkNamespace.which(tool) != nil, "\(tool) is not installed")
                let output = try NetworkNamespace.with { namespace in
                    try namespace.run([tool, "--test"], input: text)
                }
                #expect(output.status == 0, "\(tool) --test, seed \(seed): \(output.stderr)")
            }
        }
    }
}
