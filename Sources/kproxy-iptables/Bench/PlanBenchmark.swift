import Foundation
import IptablesBackend
import ProxyCore
import ServiceModel

/// Reads a generated cluster and plans it, timing each step: what a full sync does before
/// it touches the kernel. Also keeps what the apply benchmark needs: the plan, a
/// one-endpoint change and their restore texts.
struct PlanBenchmark {
    var path: String

    struct Result {
        var decode: [Double] = []
        var join: [Double] = []
        var plan: [Double] = []
        var render: [Double] = []
        var incremental: [Double] = []
        var rules = 0
        var bytes = 0
        var objects = 0
        var joinedEndpoints = 0
        var peakMegabytes = 0.0
        var full = Ruleset(family: .ipv4, tables: [])
        var changed = Ruleset(family: .ipv4, tables: [])
        var changes = RulesetChanges.everything(in: Ruleset(family: .ipv4, tables: []))
        var fullText: [UInt8] = []
        var deltaText: [UInt8] = []
        /// The last run's catalog and settings.
        var catalog = ServiceCatalog(services: [], endpointSlices: [])
        var settings: ProxySettings?
    }

    func measure(runs: Int) throws -> Result {
        var result = Result()
        var renderer = RestoreRenderer()
        let clock = ContinuousClock()
        for run in 1...runs {
            benchProgress("planning run \(run) of \(runs)")
            ProcessMemory.resetPeak()
            let start = clock.now
            let manifests = try ManifestLoader.load(paths: [path])
            let decoded = clock.now
            let catalog = ServiceCatalog(services: manifests.services, endpointSlices: manifests.endpointSlices,
                                         localNodeName: SyntheticCluster.nodeName)
            let joined = clock.now
            let node = ProxyNode(manifests.node(named: SyntheticCluster.nodeName) ?? Node(metadata: ObjectMeta(name: SyntheticCluster.nodeName)))
            let settings = ProxySettings(configuration: KubeProxyConfiguration(clusterCIDRs: [IPPrefix(SyntheticCluster.clusterCIDR)!]),
                                         node: node, family: .ipv4)
            let planner = RulePlanner(settings: settings)
            let planStart = clock.now
            let ruleset = planner.plan(catalog)
            let planned = clock.now
            renderer.render(ruleset)
            let rendered = clock.now
            result.peakMegabytes = max(result.peakMegabytes, ProcessMemory.peakResidentMegabytes())

            // One endpoint of the first service with endpoints goes away.
            var slices = manifests.endpointSlices
            let sliceIndex = slices.firstIndex { !$0.endpoints.isEmpty } ?? 0
            if !slices.isEmpty { slices[sliceIndex].endpoints.removeFirst() }
            let changedCatalog = ServiceCatalog(services: manifests.services, endpointSlices: slices,
                                                localNodeName: SyntheticCluster.nodeName)
            let changedService = slices.isEmpty ? nil : slices[sliceIndex].serviceName
            let touched = changedCatalog.servicePorts.filter { $0.name.service == changedService }
            var incremental = IncrementalPlanner(planner: planner, catalog: catalog)
            // The catalogs live on past the timing: the planner keeps none of their endpoints,
            // and freeing them is not part of planning a change.
            let (changes, incrementalStart, incrementalEnd) = withExtendedLifetime((catalog, changedCatalog)) {
                let start = clock.now
                let changes = incremental.update(touched, allPorts: { changedCatalog.servicePorts })
                return (changes, start, clock.now)
            }
            guard !changes.isEmpty else { throw BenchError("the one-endpoint change planned no change") }

            result.decode.append((decoded - start).milliseconds)
            result.join.append((joined - decoded).milliseconds)
            result.plan.append((planned - planStart).milliseconds)
            result.render.append((rendered - planned).milliseconds)
            result.incremental.append((incrementalEnd - incrementalStart).milliseconds)
            result.rules = ruleset.ruleCount
            result.bytes = renderer.bytes.count
            result.objects = manifests.countsByKind.values.reduce(0, +)
            result.joinedEndpoints = catalog.endpointCount
            if run == runs {
                result.catalog = catalog
                result.settings = settings
                result.full = ruleset
                result.fullText = renderer.bytes
                result.changed = incremental.ruleset
                result.changes = changes
                renderer.render(incremental.ruleset, changes: changes)
                result.deltaText = renderer.bytes
            }
        }
        return result
    }
}
