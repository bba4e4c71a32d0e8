import ServiceModel

/// How the kernel's `kube-proxy` table differs from a plan, chain by chain and set by set,
/// like `git diff`: `-` lines are in the kernel only, `+` lines in the plan only. Elements
/// compare as sets and a rule's set of addresses as the intervals the kernel keeps; a planned
/// set of one address compares as that address (nft writes it so); chain comments are not
/// compared (nft's JSON listing leaves them out).
public struct NftTableDiff: Sendable {
    /// One differing chain, set or map.
    public struct Block: Hashable, Sendable {
        public var heading: String
        public var lines: [String]
    }

    public var family: IPFamily
    public var blocks: [Block] = []

    public var isEmpty: Bool { blocks.isEmpty }

    public init(live: NftLiveTable, desired: NftRuleset) {
        family = desired.family
        let installed = live.ruleset.normalized, planned = desired.normalized
        compareChains(installed, planned)
        compareSets(installed, planned)
        compareMaps(installed, planned)
        if !live.unreadable.isEmpty {
            blocks.append(Block(heading: "rules kproxy-iptables cannot read",
                                lines: live.unreadable.map { "-\($0.chain): \($0.json)" }))
        }
    }

    /// The differences as text; empty when there are none.
    public var text: String {
        guard !blocks.isEmpty else { return "" }
        var text = "--- kernel (nft \(NftRuleset.qualifiedTableName(family)))\n+++ planned\n"
        for block in blocks {
            text += "@@ \(block.heading) @@\n" + block.lines.map { $0 + "\n" }.joined()
        }
        return text
    }

    private mutating func compareChains(_ installed: NftRuleset, _ planned: NftRuleset) {
        let old = Dictionary(installed.chains.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        let new = Dictionary(planned.chains.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        for name in Set(old.keys).union(new.keys).sorted() where old[name] != new[name] {
            let state = old[name] == nil ? " (missing in the kernel)" : new[name] == nil ? " (stale: not planned)" : ""
            let family = family
            let rules = { (chain: NftChain?) in (chain?.rules ?? []).map { NftRuleText.rule($0, family: family) } }
            var lines: [String] = []
            if old[name]?.rules != new[name]?.rules {
                lines = rules(old[name]).map { "-" + $0 } + rules(new[name]).map { "+" + $0 }
            }
            if old[name] != nil, new[name] != nil, old[name]?.hook != new[name]?.hook {
                lines.insert(contentsOf: ["-" + Self.declaration(old[name]), "+" + Self.declaration(new[name])], at: 0)
            }
            blocks.append(Block(heading: "chain \(name)\(state)", lines: lines))
        }
    }

    private static func declaration(_ chain: NftChain?) -> String {
        guard let chain else { return "(none)" }
        var words = ["chain \(chain.name)"]
        if let hook = chain.hook { words.append("type \(hook.kind.rawValue) hook \(hook.hook.rawValue) priority \(hook.priority)") }
        if let comment = chain.comment { words.append("comment \(NftRuleText.quoted(comment))") }
        return words.joined(separator: " ")
    }

    private mutating func compareSets(_ installed: NftRuleset, _ planned: NftRuleset) {
        let names = Set(installed.sets.map(\.name)).union(planned.sets.map(\.name))
        for name in names.sorted() {
            let old = installed.set(named: name), new = planned.set(named: name)
            // An affinity set's members are the clients rules remembered, not ours.
            let compared = { (set: NftSet?) in set?.isDynamic == true ? [] : Set((set?.elements ?? []).map(\.description)) }
            let (before, after) = (compared(old), compared(new))
            guard old == nil || new == nil || before != after || old?.timeoutSeconds != new?.timeoutSeconds else { continue }
            let state = old == nil ? " (missing in the kernel)" : new == nil ? " (stale: not planned)" : ""
            let lines = before.subtracting(after).sorted().map { "-" + $0 } + after.subtracting(before).sorted().map { "+" + $0 }
            blocks.append(Block(heading: "set \(name)\(state)", lines: lines))
        }
    }

    private mutating func compareMaps(_ installed: NftRuleset, _ planned: NftRuleset) {
        let names = Set(installed.maps.map(\.name)).union(planned.maps.map(\.name))
        for name in names.sorted() {
            let old = installed.map(named: name), new = planned.map(named: name)
            let before = Set((old?.elements ?? []).map(NftRuleText.element)), after = Set((new?.elements ?? []).map(NftRuleText.element))
            guard old == nil || new == nil || before != after else { continue }
            let state = old == nil ? " (missing in the kernel)" : new == nil ? " (stale: not planned)" : ""
            let lines = before.subtracting(after).sorted().map { "-" + $0 } + after.subtracting(before).sorted().map { "+" + $0 }
            blocks.append(Block(heading: "map \(name)\(state)", lines: lines))
        }
    }
}

extension NftRuleset {
    /// The ruleset as nft lists it back: a set of one address in a rule written as that
    /// address, a set's members in one order, set elements once each, and no chain
    /// comments (nft's JSON listing leaves them out).
    var normalized: NftRuleset {
        var result = self
        for index in result.chains.indices {
            result.chains[index].comment = nil
            for rule in result.chains[index].rules.indices {
                result.chains[index].rules[rule].matches = result.chains[index].rules[rule].matches.map(\.normalized)
            }
        }
        for index in result.sets.indices {
            var seen = Set<IPAddress>()
            result.sets[index].elements = result.sets[index].elements.filter { seen.insert($0).inserted }
        }
        return result
    }
}

extension NftMatch {
    var normalized: NftMatch {
        switch self {
        case .destination(let test): .destination(test.normalized)
        case .source(let test): .source(test.normalized)
        default: self
        }
    }
}

extension NftAddressTest {
    var normalized: NftAddressTest {
        guard case .anonymousSet(let members) = operand else { return self }
        if members.count == 1 { return NftAddressTest(.address(members[0]), negated: negated) }
        // As the kernel keeps them: merged intervals, each as the prefixes that cover it.
        let prefixes = NftAddressRanges.merged(members.map(\.prefix)).flatMap(NftAddressRanges.prefixes)
        if prefixes.count == 1 { return NftAddressTest(.address(.network(prefixes[0])), negated: negated) }
        return NftAddressTest(.anonymousSet(prefixes.map { .network($0) }), negated: negated)
    }
}
