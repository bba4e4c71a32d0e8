import ServiceModel

/// What differs between the rules the kernel holds and a planned ruleset, chain by chain, in
/// a form like `git diff`: `-` lines are in the kernel only, `+` lines in the plan only.
public struct KernelDiff: Sendable {
    /// The differences of one chain.
    public struct ChainDifference: Hashable, Sendable {
        public var table: Table
        public var chain: String
        /// `missing`: the plan has the chain, the kernel not; `stale`: the other way round.
        public var state: State
        /// The lines, each starting with `-` or `+`, then the rule as `-A CHAIN …`.
        public var lines: [String]

        public enum State: String, Hashable, Sendable {
            case changed, missing, stale
        }
    }

    public var family: IPFamily
    public var chains: [ChainDifference]

    public var isEmpty: Bool { chains.isEmpty }

    /// Compares what `installed` holds with `desired`: every planned chain, stale
    /// per-service chains, and our jumps in the built-in chains (a missing jump shows as a
    /// `+` line; jumps are only ever added).
    public init(installed: InstalledRules, desired: Ruleset) throws(IptablesError) {
        family = desired.family
        chains = []
        var encoder = EntryEncoder(family: desired.family)
        let decoder = EntryDecoder(family: desired.family)
        for table in desired.tables.sorted(by: { $0.table.applyOrder < $1.table.applyOrder }) {
            let kernel = installed.tables[table.table] ?? [:]
            for chain in table.chains {
                let name = chain.name.description
                var encoded: [EncodedRule] = []
                for rule in chain.rules { encoded.append(try encoder.encoded(rule, table: table.table, chain: chain.name)) }
                guard let entries = kernel[name] else {
                    chains.append(ChainDifference(table: table.table, chain: name, state: .missing,
                                                  lines: chain.rules.map { "+-A \(name) \(RestoreRenderer.text($0))" }))
                    continue
                }
                let lines = Self.lineDiff(entries, encoded, rules: chain.rules, chain: name, decoder: decoder)
                if !lines.isEmpty {
                    chains.append(ChainDifference(table: table.table, chain: name, state: .changed, lines: lines))
                }
            }
            let planned = Set(table.chains.map(\.name.description))
            for (name, entries) in kernel.sorted(by: { $0.key < $1.key })
            where ChainName.isServiceChain(name) && !planned.contains(name) {
                chains.append(ChainDifference(table: table.table, chain: name, state: .stale,
                                              lines: entries.map { "--A \(name) \(decoder.describe($0))" }))
            }
            for jump in BuiltinJump.needed(by: desired) where jump.table == table.table {
                let rule = try encoder.encoded(jump.rule, table: jump.table, chain: jump.chainName)
                if !(kernel[jump.chain] ?? []).contains(where: { $0.isSame(as: rule) }) {
                    chains.append(ChainDifference(table: table.table, chain: jump.chain, state: .changed,
                                                  lines: ["+-A \(jump.chain) \(RestoreRenderer.text(jump.rule))"]))
                }
            }
        }
    }

    /// The differing middle of two rule lists after their common start and end.
    static func lineDiff(_ entries: [KernelEntry], _ encoded: [EncodedRule], rules: [Rule], chain: String,
                         decoder: EntryDecoder) -> [String] {
        var start = 0
        while start < entries.count, start < encoded.count, entries[start].isSame(as: encoded[start]) { start += 1 }
        var endKernel = entries.count, endPlan = encoded.count
        while endKernel > start, endPlan > start, entries[endKernel - 1].isSame(as: encoded[endPlan - 1]) {
            endKernel -= 1
            endPlan -= 1
        }
        return entries[start..<endKernel].map { "--A \(chain) \(decoder.describe($0))" }
            + rules[start..<endPlan].map { "+-A \(chain) \(RestoreRenderer.text($0))" }
    }

    /// The whole difference as text: a header, then one `@@ table chain @@` block per chain.
    public var text: String {
        guard !chains.isEmpty else { return "" }
        let tool = family == .ipv6 ? "ip6tables" : "iptables"
        var text = "--- kernel (\(tool))\n+++ planned\n"
        for chain in chains {
            let note = chain.state == .changed ? "" : " (\(chain.state == .missing ? "missing in the kernel" : "stale: not planned"))"
            text += "@@ \(chain.table) \(chain.chain)\(note) @@\n"
            for line in chain.lines { text += line + "\n" }
        }
        return text
    }
}
