import Conntrack
import ServiceModel

/// The UDP and SCTP service ports as last planned, kept beside the planner so that a sync
/// can tell, in time proportional to its change, whether their flows need cleaning, and
/// build the ``StaleFlowFilter`` that cleans them.
struct DatagramServicePorts {
    private var ports: [ServicePortName: ServicePortEndpoints] = [:]

    /// Takes every service port (a full plan).
    mutating func replaceAll(_ entries: [ServicePortEndpoints]) {
        ports = [:]
        for entry in entries where Self.isDatagram(entry.name) { ports[entry.name] = entry }
    }

    /// Takes the changed ports and drops the removed ones; whether any was UDP or SCTP.
    mutating func update(_ entries: [ServicePortEndpoints], removed: [ServicePortName]) -> Bool {
        var touched = false
        for name in removed where Self.isDatagram(name) {
            ports[name] = nil
            touched = true
        }
        for entry in entries where Self.isDatagram(entry.name) {
            ports[entry.name] = entry
            touched = true
        }
        return touched
    }

    func filter(family: IPFamily, skipProxyModeLoadBalancerIPs: Bool) -> StaleFlowFilter {
        StaleFlowFilter(ports.values, family: family, skipProxyModeLoadBalancerIPs: skipProxyModeLoadBalancerIPs)
    }

    private static func isDatagram(_ name: ServicePortName) -> Bool {
        StaleFlowFilter.protocols.contains(name.protocol)
    }
}
