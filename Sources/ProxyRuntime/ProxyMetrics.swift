import Prometheus
import ServiceModel

/// kube-proxy's metrics, under kube-proxy's names, types, labels and buckets, plus our own
/// under `kproxy_`, in one Prometheus registry that the agent serves on `/metrics`.
public final class ProxyMetrics: Sendable {
    public let registry: PrometheusCollectorRegistry
    public let family: String

    let syncDuration: DurationHistogram
    let fullSyncDuration: DurationHistogram
    let partialSyncDuration: DurationHistogram
    let lastSyncTimestamp: Gauge
    let lastQueuedTimestamp: Gauge
    let networkProgramming: DurationHistogram
    let endpointChangesPending: Gauge
    let endpointChangesTotal: Counter
    let serviceChangesPending: Gauge
    let serviceChangesTotal: Counter
    let restoreFailures: Counter
    let partialRestoreFailures: Counter
    let nftablesSyncFailures: Counter
    let nftablesCleanupFailures: Counter
    let conntrackDuration: DurationHistogram
    let conntrackDeleted: Counter

    /// `0.001 s × 2^k`, k = 0…14: kube-proxy's sync duration buckets.
    static let syncBuckets: [Duration] = (0..<15).map { .microseconds(1000 << $0) }
    /// 0.25 and 0.5 s, 1–59 s by 1, 60–115 s by 5, 120–300 s by 30: kube-proxy's network
    /// programming buckets.
    static let networkProgrammingBuckets: [Duration] =
        [.milliseconds(250), .milliseconds(500)] + (1...59).map { .seconds($0) }
        + stride(from: 60, through: 115, by: 5).map { .seconds($0) } + stride(from: 120, through: 300, by: 30).map { .seconds($0) }

    /// - Parameter family: the IP family the proxy syncs, the `ip_family` label.
    public init(family: IPFamily, registry: PrometheusCollectorRegistry = PrometheusCollectorRegistry()) {
        self.registry = registry
        self.family = family == .ipv4 ? "IPv4" : "IPv6"
        let label = [("ip_family", self.family)]
        func histogram(_ name: String, _ buckets: [Duration], _ help: String) -> DurationHistogram {
            registry.makeDurationHistogram(descriptor: Self.metric("kubeproxy_" + name, help), labels: label, buckets: buckets)
        }
        func gauge(_ name: String, _ help: String, labels: [(String, String)] = []) -> Gauge {
            registry.makeGauge(descriptor: Self.metric("kubeproxy_" + name, help), labels: labels)
        }
        func counter(_ name: String, _ help: String, labels: [(String, String)] = []) -> Counter {
            registry.makeCounter(descriptor: Self.metric("kubeproxy_" + name, help), labels: labels)
        }
        syncDuration = histogram("sync_proxy_rules_duration_seconds", Self.syncBuckets, "SyncProxyRules latency in seconds")
        fullSyncDuration = histogram("sync_full_proxy_rules_duration_seconds", Self.syncBuckets,
                                     "SyncProxyRules latency in seconds for full resyncs")
        partialSyncDuration = histogram("sync_partial_proxy_rules_duration_seconds", Self.syncBuckets,
                                        "SyncProxyRules latency in seconds for partial resyncs")
        networkProgramming = histogram("network_programming_duration_seconds", Self.networkProgrammingBuckets,
                                       "In Cluster Network Programming Latency in seconds")
        lastSyncTimestamp = gauge("sync_proxy_rules_last_timestamp_seconds", "The last time proxy rules were successfully synced",
                                  labels: label)
        lastQueuedTimestamp = gauge("sync_proxy_rules_last_queued_timestamp_seconds", "The last time a sync of proxy rules was queued",
                                    labels: label)
        endpointChangesPending = gauge("sync_proxy_rules_endpoint_changes_pending", "Pending proxy rules Endpoint changes")
        endpointChangesTotal = counter("sync_proxy_rules_endpoint_changes_total", "Cumulative proxy rules Endpoint changes")
        serviceChangesPending = gauge("sync_proxy_rules_service_changes_pending", "Pending proxy rules Service changes")
        serviceChangesTotal = counter("sync_proxy_rules_service_changes_total", "Cumulative proxy rules Service changes")
        restoreFailures = counter("sync_proxy_rules_iptables_restore_failures_total", "Cumulative proxy iptables restore failures",
                                  labels: label)
        partialRestoreFailures = counter("sync_proxy_rules_iptables_partial_restore_failures_total",
                                         "Cumulative proxy iptables partial restore failures", labels: label)
        nftablesSyncFailures = counter("sync_proxy_rules_nftables_sync_failures_total",
                                       "Cumulative proxy nftables sync failures", labels: label)
        nftablesCleanupFailures = counter("sync_proxy_rules_nftables_cleanup_failures_total",
                                          "Cumulative proxy nftables cleanup failures", labels: label)
        conntrackDuration = histogram("conntrack_reconciler_sync_duration_seconds", Self.syncBuckets,
                                      "ReconcileConntrackFlowsLatency latency in seconds")
        conntrackDeleted = counter("conntrack_reconciler_deleted_entries_total",
                                   "Cumulative conntrack flows deleted by conntrack reconciler", labels: label)
        for table in ["filter", "nat"] {
            setRuleCount(table: table, total: 0, written: 0)
        }
        for policy in ["internal", "external"] {
            setNoLocalEndpoints(policy: policy, count: 0)
        }
    }

    /// Rules in one of our tables, and rules written to it by the last sync.
    func setRuleCount(table: String, total: Int, written: Int) {
        let labels = [("ip_family", family), ("table", table)]
        registry.makeGauge(descriptor: Self.metric("kubeproxy_sync_proxy_rules_iptables_total",
                                                   "Total number of iptables rules owned by kube-proxy"), labels: labels)
            .set(Int64(total))
        registry.makeGauge(descriptor: Self.metric("kubeproxy_sync_proxy_rules_iptables_last",
                                                   "Number of iptables rules written by kube-proxy in last sync"), labels: labels)
            .set(Int64(written))
    }

    /// Service ports with traffic policy Local (`internal` or `external`) whose endpoints
    /// are all on other nodes.
    func setNoLocalEndpoints(policy: String, count: Int) {
        registry.makeGauge(descriptor: Self.metric("kubeproxy_sync_proxy_rules_no_local_endpoints_total",
                                                   "Number of services with a Local traffic policy and no endpoints"),
                           labels: [("ip_family", family), ("traffic_policy", policy)]).set(Int64(count))
    }

    /// Changes received and not yet taken into a sync, by kind.
    func setPending(services: Int, endpoints: Int) {
        serviceChangesPending.set(Int64(services))
        endpointChangesPending.set(Int64(endpoints))
    }

    /// An object the API sent that validation rejected; it was left out of the rules.
    public func objectRejected(kind: String) {
        registry.makeCounter(descriptor: Self.metric("kproxy_objects_rejected_total",
                                                     "Objects from the API that failed validation and were left out"),
                             labels: [("kind", kind)]).increment()
    }

    /// A watch of `resource` was started again after it ended or failed.
    public func watchRestarted(resource: String, reason: String) {
        registry.makeCounter(descriptor: Self.metric("kproxy_watch_restarts_total", "Watches restarted, by resource and reason"),
                             labels: [("resource", resource), ("reason", reason)]).increment()
    }

    /// A health endpoint answered (`proxy_healthz_total` or `proxy_livez_total`).
    public func healthRequest(path: String, code: Int) {
        let name = path == "/livez" ? "kubeproxy_proxy_livez_total" : "kubeproxy_proxy_healthz_total"
        registry.makeCounter(descriptor: Self.metric(name, "Cumulative proxy \(path.dropFirst()) HTTP status"),
                             labels: [("code", String(code))]).increment()
    }

    /// A metric's full name and help text.
    private static func metric(_ name: String, _ help: String) -> MetricNameDescriptor {
        MetricNameDescriptor(metricName: name, unitName: "", helpText: help)
    }

    /// The registry's text exposition.
    public func exposition() -> [UInt8] {
        registry.emitToBuffer()
    }
}
