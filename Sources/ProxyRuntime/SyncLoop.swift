import Foundation
import IptablesBackend
import Logging
import ProxyCore
import ServiceModel

/// The state one ``ProxyRuntime`` keeps between syncs, and the step that decides and runs
/// each sync.
struct SyncLoop {
    let runtime: ProxyRuntime
    var cluster: ClusterState
    /// The mode's rules, once the node is known.
    var rules: (any RuleBackend)?
    /// Whether the source's initial state has arrived.
    var started = false
    let startedAt: ContinuousClock.Instant = .now
    var lastSync: ContinuousClock.Instant?
    var lastFull: ContinuousClock.Instant?
    /// Set after a failure: the next sync compares every chain.
    var needsFull = false
    var waitingForNodeLogged = false
    var noLocalEndpoints = NoLocalEndpointCount()
    /// The UDP and SCTP ports, and whether a sync changed them since their flows were last
    /// cleaned.
    var datagramPorts = DatagramServicePorts()
    var conntrackDue = false
    /// The trigger times of the slice changes not yet in the kernel: observed as network
    /// programming latency by the first sync that succeeds after them.
    var unprogrammedTriggerTimes: [String] = []
    /// At most this many are kept while syncs fail; the oldest go first.
    static let unprogrammedTriggerTimeLimit = 10_000

    init(runtime: ProxyRuntime) {
        self.runtime = runtime
        cluster = ClusterState(nodeName: runtime.options.nodeName)
    }

    var options: ProxyRuntimeOptions { runtime.options }

    /// Runs a sync if one is due; returns when the loop should next wake without a new change.
    mutating func step(now: ContinuousClock.Instant) async throws -> ContinuousClock.Instant? {
        if let lastSync, runtime.hasPendingChanges, now < lastSync + options.minSyncPeriod,
           !isFullDue(now) {
            return lastSync + options.minSyncPeriod
        }
        var applied = ClusterState.Applied()
        let batches = runtime.drain()
        if let newest = batches.map(\.receivedAt).max() { runtime.progress.drained(through: newest) }
        if !batches.isEmpty {
            started = true
            applied = cluster.apply(batches.flatMap(\.changes))
            runtime.metrics.serviceChangesTotal.increment(by: Int64(applied.serviceChanges))
            runtime.metrics.endpointChangesTotal.increment(by: Int64(applied.endpointChanges))
        }
        guard started else { return nil }
        unprogrammedTriggerTimes += applied.triggerTimes
        if unprogrammedTriggerTimes.count > Self.unprogrammedTriggerTimeLimit {
            unprogrammedTriggerTimes.removeFirst(unprogrammedTriggerTimes.count - Self.unprogrammedTriggerTimeLimit)
        }
        if applied.nodeChanged { runtime.health.setNodeEligible(cluster.node.map(\.isEligibleForTraffic) ?? true) }
        guard case .planned(let full, let changed) = try plan(applied, now: now) else {
            return startedAt + options.nodeWaitTimeout
        }
        lastSync = now
        if !full && !changed {
            runtime.markUpdated()
            runtime.progress.completed(at: .now, applied: false)
            observeProgramming()
            return nextWake(now)
        }
        await sync(full: full, now: now)
        return nextWake(now)
    }

    /// How often every rule is compared: the sync period, or longer where the mode says so.
    private var fullSyncPeriod: Duration {
        rules?.fullSyncPeriod(syncPeriod: options.syncPeriod) ?? options.syncPeriod
    }

    private func isFullDue(_ now: ContinuousClock.Instant) -> Bool {
        needsFull || lastFull.map { now >= $0 + fullSyncPeriod } ?? true
    }

    private func nextWake(_ now: ContinuousClock.Instant) -> ContinuousClock.Instant {
        let full = needsFull ? now + options.syncPeriod : (lastFull ?? now) + fullSyncPeriod
        return runtime.hasPendingChanges ? min(full, now + options.minSyncPeriod) : full
    }

    /// What planning a step gave.
    private enum PlanStep {
        /// The node is not known yet.
        case waitingForNode
        /// Whether every rule must be compared, and whether any changed.
        case planned(full: Bool, changed: Bool)
    }

    /// Plans the change; throws once waiting for the node is over.
    private mutating func plan(_ applied: ClusterState.Applied, now: ContinuousClock.Instant) throws -> PlanStep {
        let waitForIPs = now < startedAt + options.nodeWaitTimeout
        if rules == nil || applied.nodeChanged {
            guard let settings = options.settings(for: cluster.node, waitForIPs: waitForIPs) else {
                if !waitForIPs { throw ProxyRuntimeError(.nodeUnknown, nodeUnknownMessage) }
                if !waitingForNodeLogged {
                    runtime.logger.info("waiting for Node \"\(options.nodeName)\" and its IPs")
                    waitingForNodeLogged = true
                }
                return .waitingForNode
            }
            if rules == nil, options.configuresHost, settings.localhostNodePorts, case .iptables = runtime.rules {
                do {
                    let done = try RouteLocalnet.ensure()
                    runtime.logger.info("host: \(done)")
                } catch {
                    throw ProxyRuntimeError(.hostSetupFailed, "\(error)")
                }
            }
            if rules?.settings != settings {
                if let previous = rules?.settings {
                    runtime.logger.info("the node changed (\(previous.node.addresses) → \(settings.node.addresses)); planning every service again")
                }
                runtime.setSettings(settings)
                let catalog = cluster.catalog()
                noLocalEndpoints = NoLocalEndpointCount(catalog.servicePorts, settings: settings)
                publishHealthChecks(catalog.servicePorts, for: Set(catalog.servicePorts.map(\.name.service)),
                                    settings: settings, replacingAll: true)
                rules = runtime.rules.backend(settings: settings, catalog: catalog, serviceRanges: cluster.serviceRanges,
                                              serviceDispatch: options.serviceDispatch)
                datagramPorts.replaceAll(catalog.servicePorts)
                return .planned(full: true, changed: true)
            }
        }
        let (entries, removed) = cluster.servicePorts(of: applied.services)
        guard var current = rules else { return .waitingForNode }
        noLocalEndpoints.update(entries, removed: removed, settings: current.settings)
        if datagramPorts.update(entries, removed: removed) { conntrackDue = true }
        publishHealthChecks(entries, for: applied.services, settings: current.settings, replacingAll: false)
        let changed = current.update(entries, removed: removed, allPorts: { cluster.allServicePorts() })
        let rangesChanged = applied.serviceRangesChanged && current.setServiceRanges(cluster.serviceRanges)
        rules = current
        return .planned(full: isFullDue(now) || rangesChanged, changed: changed || rangesChanged)
    }

    /// Tells the health-check listeners what `services` (whose ports are `entries`) want now.
    private func publishHealthChecks(_ entries: [ServicePortEndpoints], for services: Set<NamespacedName>,
                                     settings: ProxySettings, replacingAll: Bool) {
        var byService: [NamespacedName: [ServicePortEndpoints]] = [:]
        for entry in entries { byService[entry.name.service, default: []].append(entry) }
        var checks: [NamespacedName: HealthCheckService] = [:]
        for (name, ports) in byService {
            checks[name] = HealthCheckService.make(ports[0].service, ports: ports, node: options.nodeName, family: settings.family)
        }
        runtime.healthChecks.update(services, with: checks, replacingAll: replacingAll)
    }

    private var nodeUnknownMessage: String {
        "no Node named \"\(options.nodeName)\" with IPs"
            + (options.nodeWaitTimeout > .zero ? " arrived within \(options.nodeWaitTimeout)" : " in the input")
            + "; name another with --hostname-override, or give its IPs with --node-ip"
    }

    private mutating func sync(full: Bool, now: ContinuousClock.Instant) async {
        guard let current = rules else { return }
        let started = ContinuousClock.now
        let comparesEverything = full || needsFull
        let (synced, result) = await runtime.sync(current, full: comparesEverything)
        rules = synced
        let duration = ContinuousClock.now - started
        let metrics = runtime.metrics
        switch result {
        case .success(let report):
            needsFull = false
            if report.full {
                lastFull = now
                // Once a syncPeriod, what was freed since (a plan replaced, objects replaced
                // by a churn or a relist) goes back to the system; a few milliseconds at
                // 10,000 services.
                ProcessHeap.releaseFreedMemory()
            }
            metrics.syncDuration.record(duration)
            (report.full ? metrics.fullSyncDuration : metrics.partialSyncDuration).record(duration)
            if !report.notes.isEmpty { metrics.nftablesCleanupFailures.increment() }
            for table in report.tables {
                metrics.setRuleCount(table: table.table, total: table.total, written: table.written)
            }
            noLocalEndpoints.publish(to: metrics)
            runtime.markUpdated()
            runtime.progress.completed(at: .now)
            observeProgramming()
            log(report, duration: duration)
            if report.full { conntrackDue = true }
            await cleanConntrack()
        case .failure(let error):
            needsFull = true
            runtime.progress.failed()
            switch runtime.rules {
            case .iptables: (comparesEverything ? metrics.restoreFailures : metrics.partialRestoreFailures).increment()
            case .nftables: metrics.nftablesSyncFailures.increment()
            }
            runtime.logger.error("sync failed: \(error); the next sync compares every chain")
        }
    }

    /// Deletes the flows that still go to endpoints that no longer serve, once the rules
    /// that send new flows elsewhere are in the kernel. A failure is logged and the cleanup
    /// tried again after the next sync, as kube-proxy logs it: the rules stay right.
    private mutating func cleanConntrack() async {
        guard conntrackDue, options.cleansConntrack, let settings = rules?.settings else { return }
        let filter = datagramPorts.filter(family: settings.family, skipProxyModeLoadBalancerIPs: settings.skipProxyModeLoadBalancerIPs)
        switch await runtime.cleanConntrack(filter) {
        case .success(let cleanup):
            conntrackDue = false
            guard !filter.isEmpty else { return }
            runtime.metrics.conntrackDuration.record(cleanup.duration)
            runtime.metrics.conntrackDeleted.increment(by: Int64(cleanup.deleted))
            if cleanup.deleted > 0 { runtime.logger.info("\(cleanup)") } else { runtime.logger.debug("\(cleanup)") }
        case .failure(let error):
            runtime.logger.error("\(error); trying again after the next sync")
        }
    }

    private func log(_ report: RuleSyncOutcome, duration: Duration) {
        let milliseconds = Double(duration.components.seconds) * 1000 + Double(duration.components.attoseconds) / 1e15
        runtime.logger.info("\(report) (\(Int(milliseconds.rounded())) ms)")
        for note in report.notes { runtime.logger.warning("\(note)") }
        guard runtime.logger.logLevel <= .debug else { return }
        for line in report.details { runtime.logger.debug("  \(line)") }
    }

    /// Network programming latency: from each changed slice's trigger time to now, once its
    /// change is in the kernel.
    private mutating func observeProgramming() {
        guard !unprogrammedTriggerTimes.isEmpty else { return }
        defer { unprogrammedTriggerTimes = [] }
        let now = Date()
        for text in unprogrammedTriggerTimes {
            guard let time = RFC3339.date(text) else { continue }
            let seconds = max(0, now.timeIntervalSince(time))
            runtime.metrics.networkProgramming.record(.nanoseconds(Int64(seconds * 1e9)))
        }
    }
}

extension Node {
    /// Whether load balancers may send new connections here: not being deleted, and not
    /// tainted for deletion by the cluster autoscaler (what kube-proxy's /healthz checks).
    var isEligibleForTraffic: Bool {
        metadata.deletionTimestamp == nil && !taints.contains { $0.key == Self.autoscalerDeletionTaint }
    }
}
