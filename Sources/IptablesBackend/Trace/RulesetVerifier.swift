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
    public struct Mismatch: Hashable, Sendable, CustomStringConvertible {
        public var servicePort: ServicePortName
        public var way: String
        public var packet: String
        public var expected: [String]
        public var actual: [String]

        public var description: String {
            "\(servicePort) \(way) (\(packet)): expected \(expected.joined(separator: ", ")); traced \(actual.joined(separator: ", "))"
        }
    }

    /// Every mismatch, and how many flows were checked.
    public func verify(_ ruleset: Ruleset, catalog: ServiceCatalog, builtinRules: [Table: [String: [Rule]]]? = nil)
        -> (mismatches: [Mismatch], flows: Int) {
        let family = settings.family
        let tracer = PacketTracer(ruleset: ruleset, localAddresses: settings.node.addresses, builtinRules: builtinRules)
        var mismatches: [Mismatch] = []
        var flows = 0
        let podSource = Self.host(in: settings.node.podCIDRs.first { $0.family == family }
                                  ?? IPPrefix(family == .ipv4 ? "10.244.0.0/16" : "fd00:10:244::/48")!, offset: 250)
        let podEntry = TracedPacket.Entry.pod(detector: settings.localTrafficDetector)
        let outside = TracedPacket.Entry.interface("eth0")
        for port in catalog.servicePorts {
            let service = port.service
            guard let clusterIP = service.clusterIP(for: family) else { continue }
            let endpoints = port.endpoints(for: family)
            // The model's side comes from kube-proxy's rules as the verifier states them,
            // not from the planner's EndpointSelection.
            let rules = ExpectedEndpoints(endpoints: endpoints, node: settings.node, useNodeHints: settings.useNodeHints)
            let anyEndpoints = rules.anyCanServe
            func expect(_ policy: ExpectedEndpoints.Policy) -> [String] {
                guard anyEndpoints else { return ["REJECT"] }
                let set = rules.reached(by: policy)
                guard !set.isEmpty else { return [policy == .local ? "DROP" : "REJECT"] }
                return set.map { "\($0)" }.sorted().map { "\($0) \(Self.share(set.count))" }
            }
            let internalLocal = service.internalTrafficPolicy == .local
            let inside = expect(internalLocal ? .local : .cluster)
            let externalLocal = service.externalTrafficPolicy == .local
            let external = expect(externalLocal ? .local : .cluster)
            // Pods reaching an external address of an eTP Local service are short-circuited
            // to the cluster-wide endpoints when a detector tells pods apart.
            let fromPodToExternal = externalLocal && settings.localTrafficDetector != nil ? expect(.cluster) : external
            var checks: [(String, IPAddress, TracedPacket.Entry, IPAddress, Int, [String])] = []
            checks.append(("cluster IP from a pod", podSource, podEntry, clusterIP, port.port.port, inside))
            if let nodeIP = settings.node.primaryIP(for: family) {
                checks.append(("cluster IP from the node", nodeIP, .local, clusterIP, port.port.port, inside))
            }
            let outsider = Self.outsideSource(family: family, avoiding: service.loadBalancerSourceRanges)
            if let nodePort = port.port.nodePort, let address = nodePortAddress {
                checks.append(("NodePort from outside", outsider, outside, address, nodePort, external))
            }
            let ranges = service.loadBalancerSourceRanges.filter { $0.family == family }
            for ingress in service.loadBalancerIngress {
                guard let ip = ingress.ip, ip.family == family,
                      !(settings.skipProxyModeLoadBalancerIPs && ingress.ipMode == .proxy) else { continue }
                if ranges.isEmpty {
                    checks.append(("load balancer IP from outside", outsider, outside, ip, port.port.port, external))
                    checks.append(("load balancer IP from a pod", podSource, podEntry, ip, port.port.port, fromPodToExternal))
                } else {
                    let allowed = Self.host(in: ranges[0], offset: 1)
                    checks.append(("load balancer IP from inside the source ranges", allowed, outside, ip, port.port.port, external))
                    checks.append(("load balancer IP from outside the source ranges", outsider, outside, ip, port.port.port,
                                   anyEndpoints ? ["DROP"] : ["REJECT"]))
                }
            }
            for ip in service.externalIPs where ip.family == family {
                checks.append(("external IP from outside", outsider, outside, ip, port.port.port, external))
            }
            for (way, source, entry, destination, destinationPort, expected) in checks {
                flows += 1
                let packet = TracedPacket(source: source, destination: destination, protocol: port.name.protocol,
                                          destinationPort: destinationPort, entry: entry)
                let actual = Self.summary(tracer.trace(packet))
                if actual != expected {
                    mismatches.append(Mismatch(servicePort: port.name, way: way, packet: packet.description,
                                               expected: expected, actual: actual))
                }
            }
        }
        return (mismatches, flows)
    }

    /// An address NodePorts answer on: the primary IP when every address does, else the
    /// first non-loopback address allowed.
    private var nodePortAddress: IPAddress? {
        switch settings.nodePortAddresses {
        case .all: return settings.node.primaryIP(for: settings.family)
        case .only(let addresses): return addresses.first { !$0.isLoopback }
        }
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
        return shares.keys.sorted().map { "\($0) \(share(probability: shares[$0]!))" } + verdicts.sorted()
    }

    static func share(_ count: Int) -> String { share(probability: 1 / Double(count)) }

    static func share(probability: Double) -> String { "p=" + String(format4: probability) }

    static func host(in prefix: IPPrefix, offset: UInt32) -> IPAddress {
        switch prefix.address {
        case .v4(let address): return .v4(IPv4Address(address.value &+ offset))
        case .v6(let address): return .v6(IPv6Address(high: address.high, low: address.low &+ UInt64(offset)))
        }
    }

    static func outsideSource(family: IPFamily, avoiding ranges: [IPPrefix]) -> IPAddress {
        let candidates = family == .ipv4 ? ["192.0.2.200", "198.51.100.200", "203.0.113.200", "100.64.0.200"]
            : ["2001:db8:ffff::200", "2001:db8:eeee::200"]
        let addresses = candidates.compactMap { IPAddress($0) }
        return addresses.first { address in !ranges.contains { $0.contains(address) } } ?? addresses[0]
    }
}
