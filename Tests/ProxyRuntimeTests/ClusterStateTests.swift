import IptablesBackend
import KProxyTestSupport
@testable import ProxyRuntime
import ServiceModel
import Testing

/// Following changes one object at a time gives, at every step, the plan of the whole
/// state: the join of one Service at a time agrees with the catalog's join of all.
@Suite struct ClusterStateTests {
    /// Every reference case whose node is in its manifests.
    static let cases = FixtureRun.all.filter { $0.family == nil }.map(\.manifest)

    @Test(arguments: cases)
    func followingChangesEqualsAFullPlan(manifest: String) throws {
        let run = try #require(FixtureRun.all.first { $0.manifest == manifest })
        let configuration = try ManifestLoader.loadConfiguration(path: packagePath(run.configuration))
        let manifests = try ManifestLoader.load(paths: [packagePath(manifest)])
        let nodeName = try #require(configuration.hostnameOverride)
        let snapshot = ObjectSnapshot(manifests, nodeName: nodeName)
        var options = ProxyRuntimeOptions(configuration: configuration, nodeName: nodeName)
        options.ipFamily = try run.plannedFamily()
        let node = try #require(snapshot.node)
        let settings = try #require(options.settings(for: node, waitForIPs: false))
        let planner = RulePlanner(settings: settings)

        var random = SeededGenerator(seed: UInt64(manifest.utf8.count))
        var state = ClusterState(nodeName: nodeName)
        _ = state.apply([.node(node)])
        var incremental = IncrementalPlanner(planner: planner, catalog: state.catalog())
        var current = ObjectSnapshot()
        current.node = node
        // Add every object in a random order, then take them away again in another.
        var additions = snapshot.additions.filter { if case .node = $0 { false } else { true } }
        additions.shuffle(using: &random)
        var removals = additions.map(\.deletion)
        removals.shuffle(using: &random)
        for (step, change) in (additions + removals).enumerated() {
            current.record(change)
            let applied = state.apply([change])
            let (entries, removed) = state.servicePorts(of: applied.services)
            _ = incremental.update(entries, removed: removed, allPorts: { state.allServicePorts() })
            let full = planner.plan(ServiceCatalog(services: Array(current.services.values),
                                                   endpointSlices: Array(current.slices.values), localNodeName: nodeName))
            if incremental.ruleset != full {
                let difference = firstDifference(RestoreRenderer.text(incremental.ruleset), RestoreRenderer.text(full))
                Issue.record("step \(step), \(change.summary): the followed plan \(difference ?? "differs in structure only")")
                return
            }
        }
    }

    @Test func sliceMovingToAnotherServiceReplansBoth() {
        var state = ClusterState(nodeName: "node-a")
        let first = EndpointSlice.test("web-1", service: "web")
        let applied = state.apply([.endpointSlice(first)])
        #expect(applied.services == [NamespacedName(namespace: "default", name: "web")])
        var moved = first
        moved.metadata.labels[WellKnownLabel.serviceName] = "api"
        #expect(state.apply([.endpointSlice(moved)]).services
                == [NamespacedName(namespace: "default", name: "web"), NamespacedName(namespace: "default", name: "api")])
    }

    @Test func slicesOfOtherProxiesAreLeftOut() {
        var state = ClusterState(nodeName: "node-a")
        var slice = EndpointSlice.test("web-1", service: "web")
        slice.metadata.labels[WellKnownLabel.headless] = ""
        #expect(state.apply([.endpointSlice(slice)]).services.isEmpty)
        slice.metadata.labels[WellKnownLabel.headless] = nil
        slice.metadata.labels[WellKnownLabel.serviceProxyName] = "other"
        #expect(state.apply([.endpointSlice(slice)]).services.isEmpty)
    }

    @Test func onlyTheLocalNodeIsKept() {
        var state = ClusterState(nodeName: "node-a")
        #expect(!state.apply([.node(Node(metadata: ObjectMeta(name: "node-b")))]).nodeChanged)
        #expect(state.apply([.node(Node(metadata: ObjectMeta(name: "node-a")))]).nodeChanged)
        #expect(!state.apply([.node(Node(metadata: ObjectMeta(name: "node-a")))]).nodeChanged)
        #expect(state.apply([.nodeDeleted("node-a")]).nodeChanged)
        #expect(state.node == nil)
    }

    /// One row of ``serviceRanges(_:)``: ServiceCIDR changes in, the union of their ranges
    /// out, and whether that union changed.
    struct RangesRow: Sendable, CustomTestStringConvertible {
        var testDescription: String
        var changes: [ObjectChange]
        var ranges: [String]
        var changed: Bool
    }

    static let rangesRows = [
        RangesRow(testDescription: "one", changes: [.serviceCIDR(.test("a", "10.96.0.0/16"))],
                  ranges: ["10.96.0.0/16"], changed: true),
        RangesRow(testDescription: "a range twice", changes: [.serviceCIDR(.test("a", "10.96.0.0/16")),
                                                           .serviceCIDR(.test("b", "10.96.0.0/16"))],
                  ranges: ["10.96.0.0/16"], changed: true),
        RangesRow(testDescription: "two objects, two families",
                  changes: [.serviceCIDR(.test("a", "10.97.0.0/16", "fd00::/108")), .serviceCIDR(.test("b", "10.96.0.0/16"))],
                  ranges: ["10.96.0.0/16", "10.97.0.0/16", "fd00::/108"], changed: true),
        RangesRow(testDescription: "added and deleted", changes: [.serviceCIDR(.test("a", "10.96.0.0/16")), .serviceCIDRDeleted("a")],
                  ranges: [], changed: false),
        RangesRow(testDescription: "unknown deleted", changes: [.serviceCIDRDeleted("a")], ranges: [], changed: false),
    ]

    @Test(arguments: rangesRows)
    func serviceRanges(_ row: RangesRow) {
        var state = ClusterState(nodeName: "node-a")
        #expect(state.apply(row.changes).serviceRangesChanged == row.changed)
        #expect(state.serviceRanges.map(\.description) == row.ranges)
    }

    @Test func aServiceCIDRRepeatingAnotherRangeChangesNothing() {
        var state = ClusterState(nodeName: "node-a")
        _ = state.apply([.serviceCIDR(.test("a", "10.96.0.0/16"))])
        #expect(!state.apply([.serviceCIDR(.test("b", "10.96.0.0/16"))]).serviceRangesChanged)
        #expect(!state.apply([.serviceCIDRDeleted("a")]).serviceRangesChanged)
        #expect(state.apply([.serviceCIDRDeleted("b")]).serviceRangesChanged)
    }
}

extension ObjectChange {
    /// A short name of the change for messages.
    var summary: String {
        switch self {
        case .service(let service): return "Service \(service.namespacedName) set"
        case .serviceDeleted(let name): return "Service \(name) deleted"
        case .endpointSlice(let slice): return "EndpointSlice \(ObjectSnapshot.key(slice)) set"
        case .endpointSliceDeleted(let name): return "EndpointSlice \(name) deleted"
        case .node(let node): return "Node \(node.name) set"
        case .nodeDeleted(let name): return "Node \(name) deleted"
        case .serviceCIDR(let serviceCIDR): return "ServiceCIDR \(serviceCIDR.metadata.name) set"
        case .serviceCIDRDeleted(let name): return "ServiceCIDR \(name) deleted"
        }
    }

    /// The change that takes this object away again.
    var deletion: ObjectChange {
        switch self {
        case .service(let service): return .serviceDeleted(service.namespacedName)
        case .endpointSlice(let slice): return .endpointSliceDeleted(ObjectSnapshot.key(slice))
        case .node(let node): return .nodeDeleted(node.name)
        case .serviceCIDR(let serviceCIDR): return .serviceCIDRDeleted(serviceCIDR.metadata.name)
        default: return self
        }
    }
}

extension ObjectSnapshot {
    /// Stores one change, as the API server's state would hold it.
    mutating func record(_ change: ObjectChange) {
        switch change {
        case .service(let service): services[service.namespacedName] = service
        case .serviceDeleted(let name): services[name] = nil
        case .endpointSlice(let slice): slices[Self.key(slice)] = slice
        case .endpointSliceDeleted(let name): slices[name] = nil
        case .node(let node): self.node = node
        case .nodeDeleted: node = nil
        case .serviceCIDR(let serviceCIDR): serviceCIDRs[serviceCIDR.metadata.name] = serviceCIDR
        case .serviceCIDRDeleted(let name): serviceCIDRs[name] = nil
        }
    }
}

extension ServiceCIDR {
    static func test(_ name: String, _ ranges: String...) -> ServiceCIDR {
        ServiceCIDR(metadata: ObjectMeta(name: name), cidrs: ranges.compactMap(IPPrefix.init))
    }
}

extension EndpointSlice {
    /// A slice of one ready endpoint for Service `service` in `default`; `triggeredAt` is
    /// its last-change trigger time.
    static func test(_ name: String, service: String, address: String = "10.180.0.1", port: Int = 80,
                     node: String? = nil, triggeredAt: String? = nil) -> EndpointSlice {
        EndpointSlice(metadata: ObjectMeta(name: name, namespace: "default",
                                           labels: [WellKnownLabel.serviceName: service],
                                           annotations: triggeredAt.map { [ClusterState.triggerTimeAnnotation: $0] } ?? [:]),
                      addressType: .ipv4, endpoints: [Endpoint(addresses: [address], nodeName: node)],
                      ports: [EndpointPort(name: "", protocol: .tcp, port: port)])
    }
}
