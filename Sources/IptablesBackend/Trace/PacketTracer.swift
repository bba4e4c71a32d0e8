import ServiceModel

/// Walks a packet through a ruleset the way netfilter would: the hooks in order (nat
/// PREROUTING or OUTPUT, filter INPUT/FORWARD/OUTPUT, nat POSTROUTING), our jumps from the
/// built-in chains, every rule and target we write. A `statistic` match splits the walk
/// into two branches with their probabilities, so the result is every place the packet can
/// end up and how likely each is.
public struct PacketTracer: Sendable {
    public let ruleset: Ruleset
    /// The node's own addresses (`addrtype LOCAL`); loopback addresses are always local.
    public let localAddresses: [IPAddress]
    private let chains: [Table: [String: [Rule]]]

    /// A tracer for `ruleset`. The built-in chains hold `builtinRules` when given (read from
    /// the kernel), otherwise the jumps a sync inserts (``BuiltinJump``).
    public init(ruleset: Ruleset, localAddresses: [IPAddress], builtinRules: [Table: [String: [Rule]]]? = nil) {
        self.ruleset = ruleset
        self.localAddresses = localAddresses
        var chains: [Table: [String: [Rule]]] = [:]
        for table in ruleset.tables {
            for chain in table.chains { chains[table.table, default: [:]][chain.name.description] = chain.rules }
        }
        if let builtinRules {
            for (table, builtins) in builtinRules {
                for (name, rules) in builtins { chains[table, default: [:]][name] = rules }
            }
        } else {
            // Built-in chains hold our jumps, last inserted first.
            for jump in BuiltinJump.needed(by: ruleset).reversed() {
                chains[jump.table, default: [:]][jump.chain, default: []].append(jump.rule)
            }
        }
        self.chains = chains
    }

    /// One path through the hooks so far.
    struct Branch {
        var destination: IPAddress
        var destinationPort: Int
        var dnat = false
        var mark: UInt32 = 0
        var masquerade = false
        var probability = 1.0
        var verdict: TraceOutcome.Verdict?
    }

    enum ChainEnd {
        case fellThrough, returned, accepted, terminated
    }

    public func trace(_ packet: TracedPacket) -> TraceResult {
        var steps: [TraceStep] = []
        var seen = Set<String>()
        var evaluated = 0.0
        let start = Branch(destination: packet.destination, destinationPort: packet.destinationPort)
        var branches = [start]
        let hooks: [(Table, String)]
        switch packet.entry {
        case .local: hooks = [(.nat, "OUTPUT"), (.filter, "OUTPUT"), (.nat, "POSTROUTING")]
        case .interface: hooks = [(.nat, "PREROUTING")]
        }
        func run(_ table: Table, _ chain: String) {
            var next: [Branch] = []
            for branch in branches {
                if branch.verdict != nil { next.append(branch); continue }
                for (result, _) in walk(table, chain, branch, packet, &steps, &seen, &evaluated) { next.append(result) }
            }
            branches = next
        }
        for (table, chain) in hooks { run(table, chain) }
        if case .local = packet.entry {
            // Sent to one of the node's own addresses: it comes back in through filter INPUT.
            let delivered = branches.filter { $0.verdict == nil && isLocal($0.destination) }
            let away = branches.filter { !($0.verdict == nil && isLocal($0.destination)) }
            branches = delivered
            run(.filter, "INPUT")
            branches += away
        }
        if case .interface = packet.entry {
            // Routing: delivered here, or forwarded on.
            var local: [Branch] = [], forwarded: [Branch] = []
            for branch in branches {
                if branch.verdict == nil && isLocal(branch.destination) { local.append(branch) } else { forwarded.append(branch) }
            }
            branches = local
            run(.filter, "INPUT")
            let delivered = branches
            branches = forwarded
            run(.filter, "FORWARD")
            run(.nat, "POSTROUTING")
            branches += delivered
        }
        var merged: [TraceOutcome] = []
        for branch in branches {
            let outcome: TraceOutcome
            switch branch.verdict {
            case .reject?, .drop?:
                outcome = TraceOutcome(verdict: branch.verdict!, destination: nil, probability: branch.probability, masquerade: false)
            default:
                let endpoint = branch.destination.withPort(branch.destinationPort)
                outcome = TraceOutcome(verdict: branch.dnat ? .dnat : .accept, destination: branch.dnat ? endpoint : nil,
                                       probability: branch.probability, masquerade: branch.masquerade)
            }
            if let index = merged.firstIndex(where: { $0.verdict == outcome.verdict && $0.destination == outcome.destination && $0.masquerade == outcome.masquerade }) {
                merged[index].probability += outcome.probability
            } else {
                merged.append(outcome)
            }
        }
        merged.sort { ($0.verdict.rawValue, $0.destination ?? "", $0.masquerade ? 1 : 0) < ($1.verdict.rawValue, $1.destination ?? "", $1.masquerade ? 1 : 0) }
        return TraceResult(packet: packet, outcomes: merged, path: steps, rulesEvaluated: evaluated)
    }

    /// Evaluates `chain` for `branch`; returns every resulting branch with how the chain ended.
    private func walk(_ table: Table, _ chain: String, _ branch: Branch, _ packet: TracedPacket,
                      _ steps: inout [TraceStep], _ seen: inout Set<String>, _ evaluated: inout Double,
                      depth: Int = 0) -> [(Branch, ChainEnd)] {
        guard depth < 32, let rules = chains[table]?[chain] else { return [(branch, .fellThrough)] }
        var live: [(Branch, Int)] = [(branch, 0)]   // branches still walking this chain, at a rule index
        var finished: [(Branch, ChainEnd)] = []
        while let (current, index) = live.popLast() {
            guard index < rules.count else {
                finished.append((current, .fellThrough))
                continue
            }
            let rule = rules[index]
            evaluated += current.probability
            var matching: [Branch] = []
            var missing: [Branch] = []
            for (outcome, matched) in evaluate(rule, current, packet, table: table, chain: chain) {
                if matched { matching.append(outcome) } else { missing.append(outcome) }
            }
            for branch in missing { live.append((branch, index + 1)) }
            guard !matching.isEmpty else { continue }
            let key = "\(table) \(chain) \(index)"
            if seen.insert(key).inserted {
                steps.append(TraceStep(table: table, chain: chain, position: index + 1, rule: RestoreRenderer.text(rule),
                                       comment: rule.comment))
            }
            for var branch in matching {
                switch rule.target {
                case nil:
                    live.append((branch, index + 1))
                case .jump(let target):
                    for (after, end) in walk(table, target.description, branch, packet, &steps, &seen, &evaluated, depth: depth + 1) {
                        switch end {
                        case .fellThrough, .returned: live.append((after, index + 1))
                        case .accepted, .terminated: finished.append((after, end))
                        }
                    }
                case .accept:
                    finished.append((branch, .accepted))
                case .drop:
                    branch.verdict = .drop
                    finished.append((branch, .terminated))
                case .reject:
                    branch.verdict = .reject
                    finished.append((branch, .terminated))
                case .return:
                    finished.append((branch, .returned))
                case .dnat(let address, let port):
                    branch.destination = address
                    branch.destinationPort = port
                    branch.dnat = true
                    finished.append((branch, .accepted))
                case .orMark(let bits):
                    branch.mark |= bits
                    live.append((branch, index + 1))
                case .xorMark(let bits):
                    branch.mark ^= bits
                    live.append((branch, index + 1))
                case .masquerade:
                    branch.masquerade = true
                    finished.append((branch, .accepted))
                }
            }
        }
        return finished
    }

    /// The branches of `branch` after `rule`'s matches, each with whether the rule matched.
    /// Only `statistic` splits a branch.
    private func evaluate(_ rule: Rule, _ branch: Branch, _ packet: TracedPacket, table: Table, chain: String) -> [(Branch, Bool)] {
        var candidates: [(Branch, Bool)] = [(branch, true)]
        for match in rule.matches {
            var next: [(Branch, Bool)] = []
            for (current, matched) in candidates {
                guard matched else { next.append((current, false)); continue }
                if case .statistic(let probability) = match {
                    var taken = current, skipped = current
                    taken.probability *= probability.value
                    skipped.probability *= 1 - probability.value
                    if taken.probability > 0 { next.append((taken, true)) }
                    if skipped.probability > 0 { next.append((skipped, false)) }
                } else {
                    next.append((current, matches(match, current, packet)))
                }
            }
            candidates = next
        }
        return candidates
    }

    private func matches(_ match: Match, _ branch: Branch, _ packet: TracedPacket) -> Bool {
        switch match {
        case .comment: return true
        case .protocol(let proto): return proto == packet.protocol
        case .source(let address, let negated): return address.prefix.contains(packet.source) != negated
        case .destination(let address, let negated): return address.prefix.contains(branch.destination) != negated
        case .destinationPort(let port): return port == branch.destinationPort
        case .sourceIsLocal: return isLocal(packet.source)
        case .destinationIsLocal: return isLocal(branch.destination)
        case .inInterface(let name, let negated):
            guard case .interface(let incoming) = packet.entry else { return negated }
            let hit = name.hasSuffix("+") ? incoming.hasPrefix(String(name.dropLast())) : incoming == name
            return hit != negated
        case .mark(let mark, let negated): return (branch.mark & mark.mask == mark.value) != negated
        case .conntrackState(let states, let negated):
            var current: Set<ConntrackState> = [packet.state]
            if branch.dnat { current.insert(.dnat) }
            return !current.isDisjoint(with: states) != negated
        case .statistic: return true
        case .recent(let name, let action):
            switch action {
            case .set: return true
            case .check: return packet.rememberedIn.contains(name)
            }
        }
    }

    private func isLocal(_ address: IPAddress) -> Bool {
        address.isLoopback || (address.family == .ipv4 && IPPrefix("127.0.0.0/8")!.contains(address)) || localAddresses.contains(address)
    }
}
