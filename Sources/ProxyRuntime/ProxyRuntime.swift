import Conntrack
import Dispatch
import Foundation
import IptablesBackend
import Logging
import ProxyCore
import ServiceModel
import Synchronization

/// The sync loop of a node agent: object changes come in from a source, are planned in the
/// proxy mode's terms (``ProxyRules``) and applied, the way kube-proxy's proxier runs.
///
/// - Changes are applied as partial syncs (only the chains that changed), at most once per
///   `minSyncPeriod`; changes that arrive in between are coalesced into the next sync.
/// - Every `syncPeriod`, and after any failed sync, every chain is compared with the
///   kernel (a full sync). A table whose canary chain is gone is synced in full by the
///   applier whatever was asked.
/// - Nothing is planned before the source's first batch (the whole initial state) and the
///   node are known.
/// - ``health`` and ``metrics`` follow every sync.
public final class ProxyRuntime: Sendable {
    public let options: ProxyRuntimeOptions
    public let health: ProxyHealth
    public let metrics: ProxyMetrics
    /// The health-check node ports the node must answer, kept up to date by the loop.
    public let healthChecks = HealthCheckServices()
    /// Syncs done and failed, and how far changes have reached the kernel.
    public let progress = SyncProgress()
    private let plannedSettings = Mutex<ProxySettings?>(nil)

    /// The planner's settings, once the node is known: the node, the family, the addresses
    /// NodePorts answer on.
    public var settings: ProxySettings? { plannedSettings.withLock { $0 } }

    func setSettings(_ settings: ProxySettings) {
        plannedSettings.withLock { $0 = settings }
    }
    /// The mode's rules and what writes them.
    public let rules: ProxyRules
    let logger: Logger
    /// Applies run here, off the concurrency pool: an apply blocks in the kernel and in
    /// the helper process for as long as a large table takes.
    private let applyQueue = DispatchQueue(label: "kproxy.apply")
    private let inbox = Mutex(Inbox())

    private struct Inbox {
        var batches: [ObjectChangeBatch] = []
        var wake: AsyncStream<Void>.Continuation?
        /// Changes waiting, by kind (for the pending-changes gauges).
        var pendingServices = 0
        var pendingEndpoints = 0
    }

    public init(options: ProxyRuntimeOptions, rules: ProxyRules, metrics: ProxyMetrics, logger: Logger) {
        self.options = options
        self.rules = rules
        self.metrics = metrics
        self.logger = logger
        health = ProxyHealth(timeout: options.syncPeriod * 2)
    }

    /// A runtime in iptables mode, writing through `applier`.
    public convenience init(options: ProxyRuntimeOptions, applier: any RulesetApplier, metrics: ProxyMetrics, logger: Logger) {
        self.init(options: options, rules: .iptables(applier), metrics: metrics, logger: logger)
    }

    /// Runs until the task is cancelled or the source fails: follows `source` and keeps
    /// the kernel's rules in step. The rules stay in place when it returns.
    public func run(source: some ObjectChangeSource) async throws {
        for finding in options.hostFindings { logger.info("host: \(finding)") }
        let (signals, wake) = AsyncStream<Void>.makeStream(bufferingPolicy: .bufferingNewest(1))
        inbox.withLock { $0.wake = wake }
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await source.run { batch in self.enqueue(batch) } }
            group.addTask { try await self.syncLoop(signals: signals, wake: wake) }
            try await group.next()
            group.cancelAll()
        }
    }

    /// Takes a batch from the source and wakes the loop.
    func enqueue(_ batch: ObjectChangeBatch) {
        let (wake, services, endpoints) = inbox.withLock { inbox in
            inbox.batches.append(batch)
            health.queued(at: batch.receivedAt)
            for change in batch.changes {
                switch change {
                case .service, .serviceDeleted: inbox.pendingServices += 1
                case .endpointSlice, .endpointSliceDeleted: inbox.pendingEndpoints += 1
                case .node, .nodeDeleted, .serviceCIDR, .serviceCIDRDeleted: break
                }
            }
            return (inbox.wake, inbox.pendingServices, inbox.pendingEndpoints)
        }
        metrics.lastQueuedTimestamp.set(unixTime())
        metrics.setPending(services: services, endpoints: endpoints)
        wake?.yield()
    }

    /// Takes every batch waiting.
    func drain() -> [ObjectChangeBatch] {
        defer { metrics.setPending(services: 0, endpoints: 0) }
        return inbox.withLock { inbox in
            defer {
                inbox.batches = []
                inbox.pendingServices = 0
                inbox.pendingEndpoints = 0
            }
            return inbox.batches
        }
    }

    /// Marks the rules up to date with everything drained so far.
    func markUpdated() {
        inbox.withLock { inbox in health.updated(stillPending: inbox.batches.first?.receivedAt) }
        metrics.lastSyncTimestamp.set(unixTime())
    }

    var hasPendingChanges: Bool { inbox.withLock { !$0.batches.isEmpty } }

    private func syncLoop(signals: AsyncStream<Void>, wake: AsyncStream<Void>.Continuation) async throws {
        var loop = SyncLoop(runtime: self)
        // The next wake-up without a change: a dispatch timer, so it fires on time whatever
        // the concurrency pool is doing.
        var timer: DispatchWorkItem?
        defer { timer?.cancel() }
        for await _ in signals {
            let next = try await loop.step(now: .now)
            timer?.cancel()
            timer = next.map { deadline in
                let item = DispatchWorkItem { wake.yield() }
                let delay = max(.zero, deadline - .now)
                applyQueue.asyncAfter(deadline: .now() + .nanoseconds(Int(delay.components.seconds * 1_000_000_000
                                                                           + delay.components.attoseconds / 1_000_000_000)),
                                      execute: item)
                return item
            }
        }
    }

    /// Syncs off the concurrency pool; gives back the rules as the sync left them.
    func sync(_ rules: any RuleBackend, full: Bool) async -> (any RuleBackend, Result<RuleSyncOutcome, RuleSyncFailure>) {
        await withCheckedContinuation { continuation in
            applyQueue.async {
                var rules = rules
                let result = rules.sync(full: full)
                continuation.resume(returning: (rules, result))
            }
        }
    }

    /// Deletes the flows `filter` finds stale, off the concurrency pool: a dump of a busy
    /// node's table takes a while.
    func cleanConntrack(_ filter: StaleFlowFilter) async -> Result<ConntrackCleanup, ConntrackError> {
        await withCheckedContinuation { continuation in
            applyQueue.async {
                continuation.resume(returning: Result { () throws(ConntrackError) in try ConntrackCleanup.run(filter) })
            }
        }
    }
}

/// Seconds since 1970, for timestamp gauges.
func unixTime() -> Double {
    Date().timeIntervalSince1970
}
