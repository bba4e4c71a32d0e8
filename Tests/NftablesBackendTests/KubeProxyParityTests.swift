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
        let directory = packagePath("Fixtures/nftables/" + name)
        let manifests = try ManifestLoader.load(paths: [directory + "/cluster.yaml"])
        let configuration = try ManifestLoader.loadConfiguration(path: directory + "/kube-proxy.yaml")
        let nodeName = try #require(configuration.hostnameOverride)
        let node = ProxyNode(try #require(manifests.node(named: nodeName)))
        let catalog = ServiceCatalog(services: manifests.services, endpointSlices: manifests.endpointSlices,
                                     endpoints: manifests.endpoints, localNodeName: nodeName)
        let family = node.addresses.first?.family ?? .ipv4
        let settings = ProxySettings(configuration: configuration, node: node, family: family)
        return NftablesPlanner(settings: settings, serviceCIDRs: manifests.serviceCIDRs.flatMap(\.cidrs)).plan(catalog)
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
