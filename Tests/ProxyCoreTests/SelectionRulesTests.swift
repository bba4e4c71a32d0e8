import KProxyTestSupport
@testable import ProxyCore
import ServiceModel
import Testing

/// kube-proxy's endpoint selection as the verifier states it (``ExpectedEndpoints``), as a
/// behaviour table, and held against the planner's ``EndpointSelection`` over generated
/// endpoint sets: a selection bug in either shows as a disagreement.
@Suite struct SelectionRulesTests {
    /// An endpoint in a table row: `"a ready here z1"` = address .1 (a), ready, on this node,
    /// zone hint z1; words: ready, serving, terminating, here / there, zN (zone hint),
    /// @node-a / @node-b (node hint).
    static func endpoint(_ text: String) -> ServiceEndpoint {
        let words = text.split(separator: " ").map(String.init)
        let index = Int(words[0].unicodeScalars.first!.value - 96)
        let zones = words.filter { $0.hasPrefix("z") }
        let nodes = words.filter { $0.hasPrefix("@") }.map { String($0.dropFirst()) }
        return ServiceEndpoint(address: IPAddress("10.244.0.\(index)")!, port: 80, isReady: words.contains("ready"),
                               isServing: words.contains("ready") || words.contains("serving"),
                               isTerminating: words.contains("terminating"),
                               nodeName: words.contains("here") ? "node-a" : "node-b",
                               zoneHints: zones.isEmpty ? nil : zones, nodeHints: nodes.isEmpty ? nil : nodes)
    }

    struct Row: Sendable, CustomTestStringConvertible {
        var rule: String
        var endpoints: [String]
        var nodeHints = false
        var cluster: String
        var local: String
        var testDescription: String { rule }
    }

    static let rows: [Row] = [
        Row(rule: "ready endpoints anywhere for Cluster, here for Local", endpoints: ["a ready here", "b ready there"],
            cluster: "ab", local: "a"),
        Row(rule: "ready is preferred to serving-terminating", endpoints: ["a ready there", "b serving terminating here"],
            cluster: "a", local: "b"),
        Row(rule: "no ready endpoint: serving-terminating ones anywhere", endpoints: ["a serving terminating there", "b there"],
            cluster: "a", local: ""),
        Row(rule: "terminating without serving is never used", endpoints: ["a terminating here", "b terminating there"],
            cluster: "", local: ""),
        Row(rule: "zone hints for this zone narrow Cluster", endpoints: ["a ready there z1", "b ready there z2", "c ready here z2"],
            cluster: "a", local: "c"),
        Row(rule: "an endpoint without hints turns topology off", endpoints: ["a ready there z1", "b ready there"],
            cluster: "ab", local: ""),
        Row(rule: "hints naming no endpoint for this zone turn it off", endpoints: ["a ready there z2", "b ready there z3"],
            cluster: "ab", local: ""),
        Row(rule: "hints of unready endpoints do not count", endpoints: ["a ready there z1", "b serving terminating there"],
            cluster: "a", local: ""),
        Row(rule: "node hints decide when they count", endpoints: ["a ready there @node-a z2", "b ready there @node-b z1"],
            nodeHints: true, cluster: "a", local: ""),
        Row(rule: "node hints are ignored when they do not count", endpoints: ["a ready there @node-a z2", "b ready there @node-b z1"],
            cluster: "b", local: ""),
        Row(rule: "node hints naming another node fall back to zone hints",
            endpoints: ["a ready there @node-b z1", "b ready there @node-b z2"], nodeHints: true, cluster: "a", local: ""),
    ]

    static let node = ProxyNode(name: "node-a", zone: "z1")

    static func letters(_ endpoints: [ServiceEndpoint]) -> String {
        String(endpoints.map { Character(UnicodeScalar(96 + UInt8($0.address.description.split(separator: ".").last!)!)) }.sorted())
    }

    @Test(arguments: rows)
    func theRulesAsStated(_ row: Row) {
        let rules = ExpectedEndpoints(endpoints: row.endpoints.map(Self.endpoint), node: Self.node, useNodeHints: row.nodeHints)
        #expect(Self.letters(rules.reached(by: .cluster)) == row.cluster)
        #expect(Self.letters(rules.reached(by: .local)) == row.local)
    }

    /// 5,000 generated endpoint sets of up to six endpoints, every condition, node, zone hint
    /// and node hint combination, with and without node hints counting, with and without a
    /// node zone.
    @Test func thePlannerAndTheStatedRulesAgree() {
        var random = SeededGenerator(seed: 2026)
        for round in 0..<5_000 {
            let endpoints = (0..<Int.random(in: 0...6, using: &random)).map { index in
                let hints: [[String]?] = [nil, [], ["z1"], ["z2"], ["z1", "z2"]]
                let nodes: [[String]?] = [nil, ["node-a"], ["node-b"], ["node-a", "node-b"]]
                return ServiceEndpoint(address: IPAddress("10.244.0.\(index + 1)")!, port: 80,
                                       isReady: Bool.random(using: &random), isServing: Bool.random(using: &random),
                                       isTerminating: Bool.random(using: &random),
                                       nodeName: ["node-a", "node-b", nil].randomElement(using: &random)!,
                                       zoneHints: hints.randomElement(using: &random)!, nodeHints: nodes.randomElement(using: &random)!)
            }
            let node = ProxyNode(name: "node-a", zone: Bool.random(using: &random) ? "z1" : nil)
            let useNodeHints = Bool.random(using: &random)
            let planner = EndpointSelection(endpoints: endpoints, usesCluster: true, usesLocal: true, node: node,
                                            useNodeHints: useNodeHints)
            let rules = ExpectedEndpoints(endpoints: endpoints, node: node, useNodeHints: useNodeHints)
            let agree = Set(planner.cluster) == Set(rules.reached(by: .cluster)) && Set(planner.local) == Set(rules.reached(by: .local))
                && planner.hasEndpoints == rules.anyCanServe
            #expect(agree, "round \(round): \(endpoints), node zone \(node.zone ?? "none"), node hints \(useNodeHints)")
            if !agree { return }
        }
    }
}
