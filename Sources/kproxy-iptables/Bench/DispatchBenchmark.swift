import IptablesBackend
import ProxyCore
import ServiceModel

/// How many rules the first packet of a connection is checked against, with linear and
/// tree dispatch, for the first, middle and last service port in KUBE-SERVICES: traced from
/// a pod of the node to the port's cluster IP.
struct DispatchBenchmark {
    var catalog: ServiceCatalog
    var settings: ProxySettings

    struct Result {
        var tree: Ruleset
        /// Service port position → rules evaluated, linear and tree.
        var rulesPerPacket: [(position: String, linear: Double, tree: Double)] = []
        /// The first and the last service port, for the connection-rate measurements.
        var first: ServicePortEndpoints?
        var last: ServicePortEndpoints?
    }

    /// A pod on the generated cluster's node (its pod CIDR is 10.244.1.0/24).
    static let podAddress = IPAddress("10.244.1.5")!

    func measure(linear: Ruleset) -> Result {
        var result = Result(tree: RulePlanner(settings: settings, serviceDispatch: .tree).plan(catalog))
        let ports = catalog.servicePorts.filter { $0.service.clusterIP(for: settings.family) != nil }
        guard !ports.isEmpty else { return result }
        (result.first, result.last) = (ports.first, ports.last)
        let linearTracer = PacketTracer(ruleset: linear, localAddresses: settings.node.addresses)
        let treeTracer = PacketTracer(ruleset: result.tree, localAddresses: settings.node.addresses)
        let source = Self.podAddress
        for (label, index) in [("First", 0), ("Middle", ports.count / 2), ("Last", ports.count - 1)] {
            let port = ports[index]
            let packet = TracedPacket(source: source, destination: port.service.clusterIP(for: settings.family)!,
                                      protocol: port.port.protocol, destinationPort: port.port.port,
                                      entry: .pod(detector: settings.localTrafficDetector))
            result.rulesPerPacket.append((label, linearTracer.trace(packet).rulesEvaluated,
                                          treeTracer.trace(packet).rulesEvaluated))
        }
        return result
    }
}
