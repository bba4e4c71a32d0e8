import ProxyCore
import ServiceModel

/// A packet to trace: its addresses, protocol and destination port, and where it enters the
/// node's netfilter hooks.
public struct TracedPacket: Hashable, Sendable, CustomStringConvertible {
    /// Where the packet comes from.
    public enum Entry: Hashable, Sendable {
        /// Sent by a process on the node (nat OUTPUT, filter OUTPUT, nat POSTROUTING).
        case local
        /// Arriving on an interface (nat PREROUTING, then filter INPUT or FORWARD, then nat
        /// POSTROUTING when forwarded).
        case interface(String)
    }

    public var source: IPAddress
    public var destination: IPAddress
    public var `protocol`: L4Protocol
    public var destinationPort: Int
    public var entry: Entry
    /// The conntrack state of the packet; NEW for the first packet of a connection.
    public var state: ConntrackState
    /// The `-m recent` lists that already hold the source (ClientIP affinity: the client
    /// was sent to that endpoint before).
    public var rememberedIn: Set<ChainName>

    public init(source: IPAddress, destination: IPAddress, protocol: L4Protocol = .tcp, destinationPort: Int,
                entry: Entry, state: ConntrackState = .new, rememberedIn: Set<ChainName> = []) {
        self.source = source
        self.destination = destination
        self.protocol = `protocol`
        self.destinationPort = destinationPort
        self.entry = entry
        self.state = state
        self.rememberedIn = rememberedIn
    }

    public var description: String {
        let from: String = switch entry {
        case .local: "from the node"
        case .interface(let name): "in on \(name)"
        }
        let port = destination.withPort(destinationPort)
        return "\(self.protocol.lowercaseName) \(source) -> \(port) \(from)"
    }
}

/// One way a traced packet can end, with its probability.
public struct TraceOutcome: Hashable, Sendable, CustomStringConvertible {
    public enum Verdict: String, Hashable, Sendable {
        case dnat = "DNAT", reject = "REJECT", drop = "DROP", accept = "ACCEPT"
    }

    public var verdict: Verdict
    /// For DNAT: the endpoint, `ip:port`.
    public var destination: String?
    public var probability: Double
    /// Whether the packet leaves with its source rewritten to the node's (MASQUERADE).
    public var masquerade: Bool

    public var description: String {
        let share = String(format4: probability)
        switch verdict {
        case .dnat: return "DNAT \(destination ?? "?") p=\(share) masquerade=\(masquerade ? "yes" : "no")"
        case .accept: return "ACCEPT unchanged p=\(share)" + (masquerade ? " masquerade=yes" : "")
        case .reject, .drop: return "\(verdict.rawValue) p=\(share)"
        }
    }
}

/// A rule a traced packet met and matched.
public struct TraceStep: Hashable, Sendable {
    public var table: Table
    public var chain: String
    /// 1-based, as `iptables -L --line-numbers` counts.
    public var position: Int
    public var rule: String
    public var comment: String?
}

/// The result of a trace: every outcome, and the rules matched on the way (in the order
/// first met, across all branches).
public struct TraceResult: Hashable, Sendable {
    public var packet: TracedPacket
    public var outcomes: [TraceOutcome]
    public var path: [TraceStep]
    /// How many rules the packet is checked against, over every hook, on average over its
    /// branches (weighted by their probability): the cost of the first packet of a
    /// connection, which is the only one netfilter's nat rules see.
    public var rulesEvaluated: Double
}
