/// The rules of many service ports run together, in order: what the shared chains and the
/// per-service chains of a table are assembled from. A full plan makes one per core, each
/// from a contiguous run of ports, so the work of joining ports' rules is done on the core
/// that made them, while they are still in its cache.
struct CombinedPortRules: Sendable {
    var natServices: [Rule] = []
    var natNodePorts: [Rule] = []
    var filterServices: [Rule] = []
    var filterExternalServices: [Rule] = []
    var filterNodePorts: [Rule] = []
    var filterProxyFirewall: [Rule] = []
    var chains: [Chain] = []

    /// Appends one port's rules after those already held.
    mutating func append(_ port: consuming ServicePortRules) {
        natServices += port.natServices
        natNodePorts += port.natNodePorts
        filterServices += port.filterServices
        filterExternalServices += port.filterExternalServices
        filterNodePorts += port.filterNodePorts
        filterProxyFirewall += port.filterProxyFirewall
        chains += port.chains
    }
}
