import IptablesBackend
import KProxyTestSupport
import ServiceModel
import Testing

/// The chain-level diff a partial sync applies.
@Suite struct RulesetDiffTests {
    static func steps() throws -> (Ruleset, Ruleset) {
        let runs = FixtureRun.all.filter { $0.caseName == "sequence-add-endpoint" }
        try #require(runs.count == 2)
        return (try plan(runs[0]), try plan(runs[1]))
    }

    static let web = ServicePortName(service: NamespacedName(namespace: "prod", name: "web"), port: "http", protocol: .tcp)

    @Test func addingAnEndpointWritesOnlyThatServicesChanged() throws {
        let (before, after) = try Self.steps()
        let changes = after.diff(from: before)
        #expect(changes[.filter].isEmpty)
        #expect(changes[.nat].written == [ChainName.endpoint(Self.web, "10.244.1.12:8080"), ChainName.service(Self.web)].sorted())
        #expect(changes[.nat].deleted.isEmpty)
    }

    @Test func removingItDeletesItsEndpointChain() throws {
        let (before, after) = try Self.steps()
        let changes = before.diff(from: after)
        #expect(changes[.nat].written == [ChainName.service(Self.web)])
        #expect(changes[.nat].deleted == [ChainName.endpoint(Self.web, "10.244.1.12:8080")])
    }

    @Test(arguments: FixtureRun.all)
    func noChangeMeansNoChanges(_ run: FixtureRun) throws {
        let ruleset = try plan(run)
        #expect(ruleset.diff(from: ruleset).isEmpty)
        let everything = RulesetChanges.everything(in: ruleset)
        #expect(everything.tables.map { $0.written.count } == ruleset.tables.map { $0.chains.count })
    }

    @Test func aChangedDispatchRuleRewritesTheDispatchChain() throws {
        let yaml = serviceYAML("web", spec: "clusterIP: 172.30.0.10\nports:\n- {name: http, port: 80, targetPort: 8080}")
            + "\n" + sliceYAML("web", endpoints: ["10.244.1.5@node-a"])
        let before = try planned(yaml)
        let after = try planned(yaml.replacingOccurrences(of: "port: 80,", with: "port: 81,"))
        let changes = after.diff(from: before)
        #expect(changes[.nat].written == [.services, ChainName.service(Self.web)].sorted())
    }
}
