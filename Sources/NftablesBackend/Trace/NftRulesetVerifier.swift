import ProxyCore
import ServiceModel

/// Checks a planned nftables table against the model by packet flow, as the iptables
/// verifier checks a ruleset: every way into every service port (``ExpectedFlow``) traced
/// through the table must reach exactly the endpoints the model selects, in equal shares, or
/// end in the REJECT or DROP it calls for.
public struct NftRulesetVerifier: Sendable {
    public let settings: ProxySettings

    public init(settings: ProxySettings) {
        self.settings = settings
    }

    /// Every mismatch, and how many flows were checked.
    public func verify(_ ruleset: NftRuleset, catalog: ServiceCatalog) -> (mismatches: [FlowMismatch], flows: Int) {
        let tracer = NftPacketTracer(ruleset: ruleset, localAddresses: settings.node.addresses)
        let podInterface = LocalTrafficDetector.podInterface(settings.localTrafficDetector)
        let expected = ExpectedFlow.all(catalog, settings: settings)
        var mismatches: [FlowMismatch] = []
        for flow in expected {
            let origin: NftTracedPacket.Origin = switch flow.origin {
            case .pod: .arriving(interface: podInterface)
            case .node: .thisNode
            case .outside: .arriving(interface: "eth0")
            }
            let packet = NftTracedPacket(source: flow.source, destination: flow.destination,
                                         destinationPort: flow.destinationPort, protocol: flow.servicePort.protocol,
                                         origin: origin)
            let actual = Self.summary(tracer.trace(packet))
            if actual != flow.expected {
                let described = "\(flow.servicePort.protocol.lowercaseName) \(flow.source) → \(flow.destination) port \(flow.destinationPort)"
                mismatches.append(FlowMismatch(servicePort: flow.servicePort, way: flow.way, packet: described,
                                               expected: flow.expected, actual: actual))
            }
        }
        return (mismatches, expected.count)
    }

    /// Outcomes in the model's form, masquerading aside.
    static func summary(_ outcomes: [NftTraceOutcome]) -> [String] {
        var shares: [String: Double] = [:]
        var verdicts: [String] = []
        for outcome in outcomes {
            if outcome.verdict == .accept, let destination = outcome.destination {
                shares[destination.address.withPort(destination.port), default: 0] += outcome.probability
            } else {
                verdicts.append(outcome.verdict.rawValue)
            }
        }
        return ExpectedFlow.summary(shares: shares, verdicts: verdicts)
    }
}
