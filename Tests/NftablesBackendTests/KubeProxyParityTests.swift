import Foundation
import KProxyTestSupport
import NftablesBackend
import ProxyCore
import ServiceModel
import Testing

/// Each case under Fixtures/nftables holds the input of one of kube-proxy's own nftables
/// tests and the table kube-proxy keeps for it (`kube-proxy.nft`): our plan holds the same
/// declarations, elements and rules.
@Suite struct KubeProxyParityTests {
    static let cases: [String] = {
        let directory = packagePath("Fixtures/nftables")
        return ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []).sorted()
    }()

    /// Plans a case directory's cluster as `sync --proxy-mode nftables` would.
    static func plan(_ name: String) throws -> NftRuleset {
        let input = try PlanningInput(manifest: "Fixtures/nftables/\(name)/cluster.yaml",
                                      configuration: "Fixtures/nftables/\(name)/kube-proxy.yaml")
        return NftablesPlanner(settings: input.settings, serviceCIDRs: input.serviceCIDRs).plan(input.catalog)
    }

    @Test func thereAreCases() {
        #expect(!Self.cases.isEmpty)
    }

    @Test(arguments: cases)
    func ourTableIsKubeProxys(_ name: String) throws {
        let expectedText = try String(contentsOfFile: packagePath("Fixtures/nftables/\(name)/kube-proxy.nft"), encoding: .utf8)
        let ours = NftTableText(NftTransaction.creating(try Self.plan(name)).text)
        let expected = NftTableText(expectedText)
        let difference = ours.difference(from: expected)
        #expect(difference.isEmpty, "\(difference.joined(separator: "\n"))")
    }
}
