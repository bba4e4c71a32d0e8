import Foundation
import KProxyTestSupport
import NftablesBackend
import ProxyCore
import ServiceModel
import Testing

/// kube-proxy's TestSyncProxyRulesRepeated as a behaviour table: the cluster of each step
/// (Fixtures/nftables-repeated), synced in part after the first, holds the table a full
/// sync of that step holds, with the chains kube-proxy's own listing still shows as flushed
/// (stale), in no more operations than kube-proxy's test counts.
@Suite struct PartialSyncTests {
    struct Step: Sendable, CustomTestStringConvertible {
        let file: String
        /// Whether the stale chains' grace is over before this step (the test ages them).
        let aged: Bool
        /// Operations in kube-proxy's transaction for the step, where its test counts them.
        let kubeProxyOperations: Int?
        /// Operations in ours: fewer where kube-proxy rewrites a changed service's chains
        /// that did not change.
        let operations: Int
        /// Flushed chains left for a later sync, as kube-proxy's listing shows them.
        let stale: Set<String>

        var testDescription: String { file }
    }

    static let svc2Chains: Set = ["service-MHHHYRWA-ns2/svc2/tcp/p8080", "endpoint-7RVP4LUQ-ns2/svc2/tcp/p8080__10.0.2.1/8080"]
    static let svc3Chains: Set = ["service-4AT6LBPK-ns3/svc3/tcp/p80", "endpoint-SWWHDC7X-ns3/svc3/tcp/p80__10.0.3.2/80",
                                  "endpoint-TQ2QKHCZ-ns3/svc3/tcp/p80__10.0.3.3/80"]

    /// Step 1 is a full sync; the rest are partial.
    static let steps: [Step] = [
        Step(file: "01-start", aged: false, kubeProxyOperations: nil, operations: 0, stale: []),
        Step(file: "02-add-svc3", aged: false, kubeProxyOperations: 10, operations: 10, stale: []),
        Step(file: "03-delete-svc2", aged: false, kubeProxyOperations: 4, operations: 4, stale: svc2Chains),
        Step(file: "04-nothing-new", aged: true, kubeProxyOperations: 0, operations: 0, stale: []),
        Step(file: "05-add-svc4-without-endpoints", aged: false, kubeProxyOperations: 2, operations: 2, stale: []),
        Step(file: "06-add-svc4-endpoints", aged: false, kubeProxyOperations: 10, operations: 10, stale: []),
        Step(file: "07-change-svc3-endpoint", aged: false, kubeProxyOperations: 9, operations: 8,
             stale: ["endpoint-2OCDJSZQ-ns3/svc3/tcp/p80__10.0.3.1/80"]),
        Step(file: "08-add-svc3-endpoint", aged: true, kubeProxyOperations: 12, operations: 7, stale: []),
        Step(file: "09-empty-svc3", aged: false, kubeProxyOperations: 5, operations: 5, stale: svc3Chains),
        Step(file: "10-restore-svc3", aged: false, kubeProxyOperations: 14, operations: 14, stale: []),
        Step(file: "11-empty-svc3-again", aged: false, kubeProxyOperations: nil, operations: 5, stale: svc3Chains),
        Step(file: "12-restore-svc3-after-grace", aged: true, kubeProxyOperations: nil, operations: 14, stale: []),
        Step(file: "13-nothing-new", aged: false, kubeProxyOperations: 0, operations: 0, stale: []),
    ]

    /// The step's whole table, planned from scratch.
    static func plan(_ step: Step) throws -> NftTableState {
        let input = try PlanningInput(manifest: "Fixtures/nftables-repeated/\(step.file).yaml",
                                      configuration: "Fixtures/nftables-repeated/kube-proxy.yaml", family: .ipv4)
        return NftablesPlanner(settings: input.settings).state(input.catalog)
    }

    /// Every port of `desired`, and every port of `current` it no longer has, as changes.
    static func changes(from current: NftTableState, to desired: NftTableState) -> [ServicePortName: NftServicePortObjects?] {
        var changes: [ServicePortName: NftServicePortObjects?] = desired.ports.mapValues { $0 }
        for name in current.ports.keys where desired.ports[name] == nil { changes[name] = .some(nil) }
        return changes
    }

    /// The clock of a step: a tenth of a second after the one before, two seconds when aged.
    static func times() -> [ContinuousClock.Instant] {
        var now = ContinuousClock.now, times: [ContinuousClock.Instant] = []
        for step in steps {
            now += step.aged ? .seconds(2) : .milliseconds(100)
            times.append(now)
        }
        return times
    }

    @Test func eachStepsTableIsTheOneAFullPlanMakes() throws {
        var state = try Self.plan(Self.steps[0])
        let times = Self.times()
        for (index, step) in Self.steps.enumerated().dropFirst() {
            let desired = try Self.plan(step)
            if let deletion = state.staleChainDeletion(now: times[index]) { state.deleted(deletion) }
            let transaction = state.update(Self.changes(from: state, to: desired), now: times[index])
            #expect(state.ruleset == desired.ruleset, "\(step.file)")
            #expect(transaction.commands.count == step.operations, "\(step.file): \(transaction.text)")
            #expect(Set(state.staleChains.keys) == step.stale, "\(step.file)")
            if let theirs = step.kubeProxyOperations { #expect(step.operations <= theirs, "\(step.file)") }
        }
    }

    @Test(.enabled(if: NetworkNamespace.isAvailable && NetworkNamespace.which("nft") != nil,
                   "needs root, ip and nft (apt install nftables)"))
    func theKernelFollowsEachStep() throws {
        let times = Self.times()
        try NetworkNamespace.with(count: 2) { namespaces in
            let (partial, fresh) = (namespaces[0], namespaces[1])
            var syncer = NftTableSyncer()
            for (index, step) in Self.steps.enumerated() {
                let desired = try Self.plan(step), now = times[index]
                let report = try partial.inside { [syncer] in
                    var syncer = syncer
                    let report = index == 0 ? try syncer.fullSync(desired, now: now)
                        : try syncer.partialSync(Self.changes(from: syncer.state!, to: desired), now: now)
                    return (syncer, report)
                }
                syncer = report.0
                #expect(report.1.full == (index == 0), "\(step.file)")
                if index > 0 { #expect(report.1.commands == step.operations, "\(step.file)") }
                try fresh.run(["nft", "flush", "ruleset"]).check()
                _ = try fresh.inside { var fresh = NftTableSyncer(); return try fresh.fullSync(desired).commands }
                let partialLines = try NftListing.lines(partial, family: "ip")
                let counts = try NftListing.ruleCounts(partial, family: "ip")
                let stale = Set(counts.filter { $0.key.contains("/") && $0.value == 0 }.keys)
                #expect(stale == step.stale, "\(step.file): empty chains in the kernel")
                // The listing is JSON: its names write `/` as `\/`.
                let staleNames = stale.map { "\"name\":\"" + $0.replacingOccurrences(of: "/", with: "\\/") + "\"" }
                let kept = partialLines.filter { line in !staleNames.contains { line.contains($0) } }
                let expected = try NftListing.lines(fresh, family: "ip")
                let onlyPartial: [String] = kept.filter { !expected.contains($0) }
                let onlyFull: [String] = expected.filter { !kept.contains($0) }
                #expect(onlyPartial.isEmpty && onlyFull.isEmpty,
                        "\(step.file): only after the partial syncs: \(onlyPartial); only after a full sync: \(onlyFull)")
            }
        }
    }
}
