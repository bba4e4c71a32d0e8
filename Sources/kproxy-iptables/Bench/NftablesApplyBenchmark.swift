import Foundation
import NftablesBackend
import ProxyCore
import ServiceModel

/// The generated cluster synced in nftables mode (netlink batches), into throwaway
/// network namespaces: the first sync into an empty namespace (the table made in parts of
/// whole ports), then a one-endpoint change synced in part and taken back,
/// ``ApplyBenchmark/deltaRounds`` times each, as the agent syncs them.
struct NftablesApplyBenchmark {
    var state: NftTableState
    /// The port that changes, and its objects with one endpoint fewer.
    var changedPort: ServicePortName
    var changed: NftServicePortObjects?

    struct Result {
        var first: [Double] = []
        var delta: [Double] = []
        /// The first sync's transactions; `nil` until measured.
        var transactions: Int?
    }

    /// The first port with at least two endpoints loses its first one.
    init?(catalog: ServiceCatalog, settings: ProxySettings) {
        let planner = NftablesPlanner(settings: settings)
        guard var entry = catalog.servicePorts.first(where: { $0.endpoints.count >= 2 }) else { return nil }
        state = planner.state(catalog)
        entry.endpoints.removeFirst()
        changedPort = entry.name
        changed = NftServicePortObjects.plan(entry, settings: settings)
    }

    func measure(runs: Int) throws -> Result {
        var result = Result()
        let original = state.ports[changedPort]
        for run in 1...runs {
            benchProgress("apply run \(run) of \(runs): nftables mode (netlink batches through libnftnl)")
            let (first, deltas, transactions) = try NetworkNamespace.with(prefix: "kpx-bench") { namespace in
                try namespace.inside { [state, changedPort, changed] () throws -> (Double, [Double], Int) in
                    let clock = ContinuousClock()
                    var syncer = NftTableSyncer()
                    var report: NftSyncReport?
                    let first = try clock.measure { report = try syncer.fullSync(state) }.milliseconds
                    var deltas: [Double] = []
                    for _ in 0..<ApplyBenchmark.deltaRounds {
                        for objects in [changed, original] {
                            deltas.append(try clock.measure { _ = try syncer.partialSync([changedPort: objects]) }.milliseconds)
                        }
                    }
                    return (first, deltas, report?.transactions ?? 0)
                }
            }
            result.first.append(first)
            result.delta += deltas
            result.transactions = transactions
        }
        return result
    }
}
