import Foundation
import IptablesBackend
import Logging
import ProxyCore
import ProxyRuntime
import ServiceModel
import Synchronization

/// `bench --churn`: endpoint changes at a fixed rate straight into the sync loop (no API
/// server in between, so this process holds only the cluster and the runtime), applied
/// through libiptc's helper into a throwaway network namespace with kube-proxy's default
/// pacing (minSyncPeriod 1 s, syncPeriod 30 s), for a given time.
///
/// Every change is timed from the moment it is handed to the runtime to the end of the
/// sync that put it in the kernel; resident memory is sampled every second.
struct ChurnBenchmark {
    var clusterPath: String
    var seconds: Int
    var rate: Int
    var lockPath: String

    struct Result {
        var changes = 0
        var syncs = 0
        var failedSyncs = 0
        var latenciesMs: [Double] = []
        var residentStartMB: Double = 0
        var residentEndMB: Double = 0
        var residentMaxMB: Double = 0
    }

    /// Changes handed over by the benchmark, after the initial state.
    private struct Source: ObjectChangeSource {
        let initial: ObjectChangeBatch
        let batches: AsyncStream<ObjectChangeBatch>

        func run(deliver: @escaping @Sendable (ObjectChangeBatch) -> Void) async throws {
            deliver(initial)
            for await batch in batches { deliver(batch) }
            try await Task.sleep(for: .seconds(86_400))
        }
    }

    func measure() async throws -> Result {
        let manifests = try ManifestLoader.load(paths: [clusterPath])
        var slices = manifests.endpointSlices
        let node = try manifests.nodes.first { $0.name == SyntheticCluster.nodeName }
            ?? { throw BenchError("the generated cluster has no Node \(SyntheticCluster.nodeName)") }()
        let initial = ObjectChangeBatch([.node(node)] + manifests.services.map(ObjectChange.service)
                                        + slices.map(ObjectChange.endpointSlice))
        let namespace = try NetworkNamespace.create(prefix: "kpx-bench")
        defer { namespace.delete() }
        let (batches, feed) = AsyncStream<ObjectChangeBatch>.makeStream()
        let runtime = try makeRuntime(in: namespace)
        let task = Task { try await runtime.run(source: Source(initial: initial, batches: batches)) }
        defer { task.cancel() }
        try await runtime.waitForProgress { $0.completedSyncs >= 1 }
        benchProgress("churn: initial sync done; \(seconds) s of \(rate) endpoint changes a second")

        var result = Result()
        result.residentStartMB = ProcessMemory.residentMegabytes()
        let completions = Mutex<[(through: ContinuousClock.Instant, at: ContinuousClock.Instant)]>([])
        let watcher = Task { await Self.recordSyncs(of: runtime, into: completions) }
        let syncsBefore = runtime.progress.snapshot.completedSyncs
        let start = ContinuousClock.now
        var changedAt: [ContinuousClock.Instant] = []
        var nextSample = start
        for change in 0..<(seconds * rate) {
            // On a fixed schedule, so the rate holds whatever a change costs.
            let due = start + .microseconds(Int64(change) * 1_000_000 / Int64(max(1, rate)))
            if due > .now { try await Task.sleep(until: due, clock: .continuous) }
            let index = change * 7919 % slices.count
            slices[index].endpoints[0].addresses = [Self.address(change)]
            let batch = ObjectChangeBatch([.endpointSlice(slices[index])])
            changedAt.append(batch.receivedAt)
            feed.yield(batch)
            if .now >= nextSample {
                result.residentMaxMB = max(result.residentMaxMB, ProcessMemory.residentMegabytes())
                nextSample += .seconds(1)
            }
        }
        let last = changedAt.last ?? start
        try await runtime.waitForProgress { ($0.appliedThrough ?? start) >= last }
        watcher.cancel()
        _ = await watcher.result
        result.changes = changedAt.count
        result.syncs = runtime.progress.snapshot.completedSyncs - syncsBefore
        result.failedSyncs = runtime.progress.snapshot.failedSyncs
        result.latenciesMs = Self.latencies(changedAt, completions.withLock { $0 })
        result.residentEndMB = ProcessMemory.residentMegabytes()
        result.residentMaxMB = max(result.residentMaxMB, result.residentEndMB)
        return result
    }

    private func makeRuntime(in namespace: NetworkNamespace) throws -> ProxyRuntime {
        var configuration = KubeProxyConfiguration(clusterCIDRs: [IPPrefix(SyntheticCluster.clusterCIDR)!])
        configuration.hostnameOverride = SyntheticCluster.nodeName
        var options = ProxyRuntimeOptions(configuration: configuration, nodeName: SyntheticCluster.nodeName)
        options.ipFamily = .ipv4
        let helper = ["ip", "netns", "exec", namespace.name] + LibiptcHelperCommand.commandLine
        return ProxyRuntime(options: options, applier: LibiptcApplier(lockPath: lockPath, helperCommand: helper),
                            metrics: ProxyMetrics(family: .ipv4), logger: Logger(label: "bench") { _ in SwiftLogNoOpLogHandler() })
    }

    /// Each sync's end and how far it reached, as it happens (a sync takes at least
    /// minSyncPeriod, so polling every 2 ms sees each one).
    private static func recordSyncs(of runtime: ProxyRuntime,
                                    into completions: borrowing Mutex<[(through: ContinuousClock.Instant, at: ContinuousClock.Instant)]>) async {
        var seen = runtime.progress.snapshot.completedSyncs
        while !Task.isCancelled {
            let snapshot = runtime.progress.snapshot
            if snapshot.completedSyncs != seen, let through = snapshot.appliedThrough, let at = snapshot.lastCompletedAt {
                seen = snapshot.completedSyncs
                completions.withLock { $0.append((through, at)) }
            }
            try? await Task.sleep(for: .milliseconds(2))
        }
    }

    /// For each change, the time to the end of the first sync that reached it.
    static func latencies(_ changes: [ContinuousClock.Instant],
                          _ completions: [(through: ContinuousClock.Instant, at: ContinuousClock.Instant)]) -> [Double] {
        var latencies: [Double] = []
        var next = 0
        for change in changes {
            while next < completions.count && completions[next].through < change { next += 1 }
            guard next < completions.count else { break }
            latencies.append((completions[next].at - change).milliseconds)
        }
        return latencies
    }

    /// A fresh pod address for change `number` (10.200.0.0/13), so every change moves an
    /// endpoint and its KUBE-SEP chain.
    static func address(_ number: Int) -> String {
        "10.\(200 + number / 65536 % 8).\(number / 256 % 256).\(number % 256)"
    }
}
