import Foundation
import KProxyTestSupport
import NftablesBackend
import ProxyCore
import ServiceModel
import Testing

/// Our transactions in a real kernel: `nft -c` accepts each case's full sync, and after
/// applying it the kernel holds what it holds after kube-proxy's own text for the case.
@Suite(.enabled(if: NetworkNamespace.isAvailable && NetworkNamespace.which("nft") != nil,
                "needs root, ip and nft (apt install nftables)"))
struct KernelTableTests {
    @Test(arguments: KubeProxyParityTests.cases)
    func theKernelHoldsWhatKubeProxysTextMakes(_ name: String) throws {
        let ruleset = try KubeProxyParityTests.plan(name)
        let ours = NftTransaction.fullSync(ruleset, installed: NftInstalledNames(), recreatingBaseChains: true).text
        let theirs = try String(contentsOfFile: packagePath("Fixtures/nftables/\(name)/kube-proxy.nft"), encoding: .utf8)
        try NetworkNamespace.with(count: 2) { namespaces in
            let checked = try namespaces[0].run(["nft", "-c", "-f", "-"], input: ours)
            try #require(checked.status == 0, "nft -c refused our full sync:\n\(checked.stderr)")
            try namespaces[0].run(["nft", "-f", "-"], input: ours).check()
            try namespaces[1].run(["nft", "-f", "-"], input: NftListing.declarationsFirst(theirs)).check()
            let tables = try namespaces.map { try NftListing.lines($0, family: ruleset.tableFamily) }
            let onlyOurs = tables[0].filter { !tables[1].contains($0) }, onlyTheirs = tables[1].filter { !tables[0].contains($0) }
            #expect(onlyOurs.isEmpty && onlyTheirs.isEmpty,
                    "only after ours:\n\(onlyOurs.joined(separator: "\n"))\nonly after kube-proxy's:\n\(onlyTheirs.joined(separator: "\n"))")
        }
    }
}
