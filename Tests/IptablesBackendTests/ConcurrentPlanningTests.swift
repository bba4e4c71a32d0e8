import IptablesBackend
import ProxyCore
import ServiceModel
import Testing

/// Large clusters are planned and rendered on every core, and dry runs stream the text. The
/// result must not depend on it: the same ruleset as planning port by port, and the same
/// text as writing rule by rule.
@Suite struct ConcurrentPlanningTests {
    @Test(arguments: [IPFamily.ipv4, .ipv6])
    func planningOnEveryCoreGivesTheSerialPlan(family: IPFamily) throws {
        var generator = ClusterGenerator(seed: 99)
        let cluster = generator.cluster(services: 1_500)
        let manifests = try ManifestLoader.load(bytes: Array(cluster.yaml(family: family).utf8), file: "generated.yaml")
        let catalog = ServiceCatalog(services: manifests.services, endpointSlices: manifests.endpointSlices,
                                     localNodeName: testNode.name)
        let planner = RulePlanner(settings: ProxySettings(configuration: cluster.configuration, node: testNode,
                                                          family: family))
        let largeCluster = planner.isLargeCluster(catalog)
        let serialPorts = catalog.servicePorts.compactMap {
            ServicePortRules.plan($0, settings: planner.settings, largeCluster: largeCluster)
        }
        #expect(planner.servicePortRules(catalog) == serialPorts)
        let serial = planner.assemble(serialPorts)
        let ruleset = planner.plan(catalog)
        #expect(ruleset == serial)

        let nat = try #require(ruleset[.nat])
        #expect(nat.ruleCount > RestoreRenderer.concurrentRuleThreshold,
                "the cluster is too small to be rendered concurrently")
        var lines: [String] = []
        for table in ruleset.tables {
            lines.append("*\(table.table.rawValue)")
            lines += table.chains.map { ":\($0.name) - [0:0]" }
            for chain in table.chains {
                lines += chain.rules.map { "-A \(chain.name) \(RestoreRenderer.text($0))" }
            }
            lines.append("COMMIT")
        }
        let text = lines.joined(separator: "\n") + "\n"
        var whole = RestoreRenderer()
        whole.render(ruleset)
        #expect(String(decoding: whole.bytes, as: UTF8.self) == text)
        #expect(whole.lineCount == lines.count)

        // Streamed in small pieces (as `sync --dry-run` writes it): the same text.
        var renderer = RestoreRenderer()
        var streamed: [UInt8] = []
        var pieces = 0
        renderer.render(ruleset, chunkSize: 4096) { piece in
            streamed += piece
            pieces += 1
        }
        #expect(pieces > 10)
        #expect(String(decoding: streamed, as: UTF8.self) == text)
        #expect(renderer.lineCount == lines.count)
    }
}
