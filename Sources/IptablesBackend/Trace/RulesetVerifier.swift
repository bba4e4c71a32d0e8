import ProxyCore
import ServiceModel

/// Checks a ruleset against the model by packet flow: for every service port and every way
/// in — its cluster IP from a pod and from the node, its NodePort from outside, its load
/// balancer IPs from inside and outside their source ranges, its external IPs — the traced
/// outcomes must be exactly the endpoints the model selects, in equal shares, or the REJECT
/// or DROP it calls for.
public struct RulesetVerifier: Sendable {
    public let settings: ProxySettings

    public init(settings: ProxySettings) {
        self.settings = settings
    }

    /// One way in whose outcomes differ from the model's.
    public typealias Mismatch = FlowMismatch

    /// Every mismatch, and how many flows were checked.
    public func verify(_ ruleset: Ruleset, catalog: ServiceCatalog, builtinRules: [Table: [String: [Rule]]]? = nil)
        -> (mismatches: [Mismatch], flows: Int) {
        let tracer = PacketTracer(ruleset: ruleset, localAddresses: settings.node.addresses, builtinRules: builtinRules)
        let podEntry = TracedPacket.Entry.pod(detector: settings.localTrafficDetector)
        var mismatches: [Mismatch] = []
        let expected = ExpectedFlow.all(catalog, settings: settings)
        for flow in expected {
            let entry: TracedPacket.Entry = switch flow.origin {
            case .pod: podEntry
            case .node: .local
            case .outside: .interface("eth0")
            }
            let packet = TracedPacket(source: flow.source, destination: flow.destination, protocol: flow.servicePort.protocol,
                                      destinationPort: flow.destinationPort, entry: entry)
            let actual = Self.summary(tracer.trace(packet))
            if actual != flow.expected {
                mismatches.append(Mismatch(servicePort: flow.servicePort, way: flow.way, packet: packet.description,
                                           expected: flow.expected, actual: actual))
            }
        }
        let flows = expected.count
        return (mismatches, flows)
    }

    /// Outcomes as `ip:port share`, `REJECT` or `DROP`, masquerading aside, sorted.
    static func summary(_ result: TraceResult) -> [String] {
        var shares: [String: Double] = [:]
        var verdicts: [String] = []
        for outcome in result.outcomes {
            switch outcome.verdict {
            case .dnat: shares[outcome.destination ?? "?", default: 0] += outcome.probability
            case .accept: verdicts.append("ACCEPT")
            case .reject: verdicts.append("REJECT")
            case .drop: verdicts.append("DROP")
            }
        }
        return ExpectedFlow.summary(shares: shares, verdicts: verdicts)
    }
}
