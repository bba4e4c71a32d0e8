import IptablesBackend
import ProxyCore
import ServiceModel

/// Service ports with a Local traffic policy that have endpoints, none of them on this
/// node: kube-proxy's `sync_proxy_rules_no_local_endpoints_total`, kept per port so a
/// change costs the ports it touches.
struct NoLocalEndpointCount {
    private var internalPolicy: Set<ServicePortName> = []
    private var externalPolicy: Set<ServicePortName> = []

    init() {}

    init(_ entries: [ServicePortEndpoints], settings: ProxySettings) {
        update(entries, removed: [], settings: settings)
    }

    mutating func update(_ entries: [ServicePortEndpoints], removed: [ServicePortName], settings: ProxySettings) {
        for name in removed {
            internalPolicy.remove(name)
            externalPolicy.remove(name)
        }
        for entry in entries {
            let service = entry.service
            let internalLocal = service.internalTrafficPolicy == .local
            let externalLocal = service.isExternallyAccessible && service.externalTrafficPolicy == .local
            var lacksLocal = false
            if internalLocal || externalLocal {
                let selection = EndpointSelection(endpoints: entry.endpoints(for: settings.family), usesCluster: false,
                                                  usesLocal: true, node: settings.node, useNodeHints: false)
                lacksLocal = selection.hasEndpoints && selection.local.isEmpty
            }
            if internalLocal && lacksLocal { internalPolicy.insert(entry.name) } else { internalPolicy.remove(entry.name) }
            if externalLocal && lacksLocal { externalPolicy.insert(entry.name) } else { externalPolicy.remove(entry.name) }
        }
    }

    func publish(to metrics: ProxyMetrics) {
        metrics.setNoLocalEndpoints(policy: "internal", count: internalPolicy.count)
        metrics.setNoLocalEndpoints(policy: "external", count: externalPolicy.count)
    }
}
