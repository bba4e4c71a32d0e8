import Foundation
import IptablesBackend
import KProxyTestSupport
import ServiceModel
import Testing

/// Every input a fuzz run found (`Fuzz/findings/`, see scripts/fuzz) goes through what the
/// fuzz target runs, and is read without a crash: an error, or a value.
@Suite struct FuzzFindingTests {
    static func findings(_ target: String) -> [String] {
        let directory = packagePath("Fuzz/findings/" + target)
        return ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []).sorted().map { "Fuzz/findings/\(target)/\($0)" }
    }

    @Test(arguments: findings("restore-text"))
    func saveTextFindingsAreRead(_ finding: String) throws {
        let text = String(decoding: try #require(FileManager.default.contents(atPath: packagePath(finding))), as: UTF8.self)
        let table = SavedTable(text)
        for family in [IPFamily.ipv4, .ipv6] {
            for rule in table.rules.values.joined() { _ = try? SaveFormParser(family: family).rule(rule) }
        }
        #expect(table.chains.allSatisfy { !$0.isEmpty })
    }

    @Test(arguments: findings("manifests"))
    func manifestFindingsAreRead(_ finding: String) throws {
        let bytes = [UInt8](try #require(FileManager.default.contents(atPath: packagePath(finding))))
        for file in ["finding.yaml", "finding.json"] {
            guard let manifests = try? ManifestLoader.load(bytes: bytes, file: file) else { continue }
            _ = ServiceCatalog(services: manifests.services, endpointSlices: manifests.endpointSlices,
                               endpoints: manifests.endpoints).servicePorts
        }
    }
}
