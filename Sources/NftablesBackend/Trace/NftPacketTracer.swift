import ProxyCore
import ServiceModel

/// Follows the first packet of a connection through a planned nftables table, hook by hook
/// as the kernel runs them (prerouting, input or forward, or output, then postrouting; in each
/// hook the base chains by priority), and returns every way it can go: a `numgen` choice
/// forks the packet, each branch with its share. Affinity sets are taken as empty (a first
/// packet); connection state is `new`.
public struct NftPacketTracer: Sendable {
    public var ruleset: NftRuleset
    /// The node's own addresses: what `fib … type local` finds local, loopback included.
    public var localAddresses: [IPAddress]

    public init(ruleset: NftRuleset, localAddresses: [IPAddress]) {
        self.ruleset = ruleset
        self.localAddresses = localAddresses
    }

    /// What the packet meets, so far.
    struct State {
        var packet: NftTracedPacket
        var mark: UInt32 = 0
        var masquerade = false
        var rewritten = false
        var probability = 1.0
        var chains: [String] = []
    }

    /// How a chain ended for the packet.
    enum Ending {
        /// It ran to its end or returned: the caller goes on.
        case continued
        /// A verdict for the hook: accept (also after DNAT or masquerade), drop, reject.
        case verdict(NftTraceOutcome.Verdict)
    }

    /// Every outcome of `packet`, most likely first.
    public func trace(_ packet: NftTracedPacket) -> [NftTraceOutcome] {
        var states = [State(packet: packet)]
        var finished: [NftTraceOutcome] = []
        let first: [NftBaseChain.Hook] = packet.origin == .thisNode ? [.output] : [.prerouting]
        for hook in first { states = run(hook: hook, states, into: &finished) }
        var delivered: [State] = []
        for state in states {
            let local = isLocal(state.packet.destination)
            if packet.origin == .thisNode || !local {
                let forwarded = packet.origin == .thisNode ? [state] : run(hook: .forward, [state], into: &finished)
                delivered += run(hook: .postrouting, forwarded, into: &finished)
            } else {
                delivered += run(hook: .input, [state], into: &finished)
            }
        }
        finished += delivered.map { outcome($0, .accept) }
        return finished.sorted { $0.probability > $1.probability }
    }

    private func outcome(_ state: State, _ verdict: NftTraceOutcome.Verdict) -> NftTraceOutcome {
        NftTraceOutcome(verdict: verdict,
                        destination: state.rewritten ? (state.packet.destination, state.packet.destinationPort) : nil,
                        masquerade: state.masquerade, probability: state.probability, chains: state.chains)
    }

    /// The hook's base chains by priority; drops and rejects end in `finished`.
    private func run(hook: NftBaseChain.Hook, _ states: [State], into finished: inout [NftTraceOutcome]) -> [State] {
        let chains = ruleset.chains.filter { $0.hook?.hook == hook }.sorted { $0.hook!.priority < $1.hook!.priority }
        var current = states
        for chain in chains {
            var next: [State] = []
            for state in current {
                for (after, ending) in run(chain.name, state, depth: 0) {
                    switch ending {
                    case .continued, .verdict(.accept): next.append(after)
                    case .verdict(let verdict): finished.append(outcome(after, verdict))
                    }
                }
            }
            current = next
        }
        return current
    }

    /// Runs a chain from its first rule.
    private func run(_ name: String, _ state: State, depth: Int) -> [(State, Ending)] {
        guard depth < 64, let chain = ruleset.chain(named: name) else { return [(state, .continued)] }
        var entered = state
        entered.chains.append(name)
        return run(chain, from: 0, entered, depth: depth)
    }

    private func run(_ chain: NftChain, from start: Int, _ state: State, depth: Int) -> [(State, Ending)] {
        var state = state
        for index in start..<chain.rules.count {
            let rule = chain.rules[index]
            guard rule.matches.allSatisfy({ matches($0, state) }) else { continue }
            switch rule.statement {
            case .verdict(let verdict):
                return apply(verdict, chain, after: index, state, depth: depth)
            case .destinationMap(let name):
                if let verdict = lookUp(name, address: state.packet.destination, state) {
                    return apply(verdict, chain, after: index, state, depth: depth)
                }
            case .portMap(let name):
                if let verdict = lookUp(name, address: nil, state) {
                    return apply(verdict, chain, after: index, state, depth: depth)
                }
            case .randomChain(let targets):
                return targets.flatMap { target -> [(State, Ending)] in
                    var branch = state
                    branch.probability /= Double(targets.count)
                    return apply(.goto(target), chain, after: index, branch, depth: depth)
                }
            case .setMark(let mark): state.mark |= mark
            case .toggleMark(let mark): state.mark ^= mark
            case .masquerade:
                state.masquerade = true
                return [(state, .verdict(.accept))]
            case .dnat(_, let address, let port):
                state.packet.destination = address
                state.packet.destinationPort = port
                state.rewritten = true
                return [(state, .verdict(.accept))]
            case .rememberSource: continue
            }
        }
        return [(state, .continued)]
    }

    /// A verdict met in `chain` at rule `index`.
    private func apply(_ verdict: NftVerdict, _ chain: NftChain, after index: Int, _ state: State,
                       depth: Int) -> [(State, Ending)] {
        switch verdict {
        case .accept: return [(state, .verdict(.accept))]
        case .drop: return [(state, .verdict(.drop))]
        case .reject: return [(state, .verdict(.reject))]
        case .return: return [(state, .continued)]
        case .goto(let target): return run(target, state, depth: depth + 1)
        case .jump(let target):
            return run(target, state, depth: depth + 1).flatMap { after, ending -> [(State, Ending)] in
                if case .verdict = ending { return [(after, ending)] }
                return run(chain, from: index + 1, after, depth: depth)
            }
        }
    }

    /// The verdict of a map's element for the packet, if it has one.
    private func lookUp(_ name: String, address: IPAddress?, _ state: State) -> NftVerdict? {
        ruleset.map(named: name)?.elements.first { element in
            element.address == address && element.protocol == state.packet.protocol
                && element.port == state.packet.destinationPort
        }?.verdict
    }

    private func matches(_ match: NftMatch, _ state: State) -> Bool {
        let packet = state.packet
        switch match {
        case .connectionIsNew: return true
        case .destination(let test): return holds(test, for: packet.destination)
        case .source(let test): return holds(test, for: packet.source)
        case .inInterface(let pattern, let negated):
            let name = if case .arriving(let interface) = packet.origin { interface } else { "" }
            let matched = pattern.hasSuffix("*") ? name.hasPrefix(pattern.dropLast()) : name == pattern
            return matched != negated
        case .destinationPort(let proto, let port): return packet.protocol == proto && packet.destinationPort == port
        case .destinationIsLocal: return isLocal(packet.destination)
        case .sourceIsLocal: return isLocal(packet.source)
        case .markClear(let mark): return state.mark & mark == 0
        }
    }

    private func holds(_ test: NftAddressTest, for address: IPAddress) -> Bool {
        let found: Bool = switch test.operand {
        case .address(let match): match.prefix.contains(address)
        case .anonymousSet(let matches): matches.contains { $0.prefix.contains(address) }
        case .namedSet(let name): ruleset.set(named: name)?.elements.contains(address) ?? false
        }
        return found != test.negated
    }

    private func isLocal(_ address: IPAddress) -> Bool {
        address.isLoopback || localAddresses.contains(address)
    }
}
