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

    /// What read the kernel's rules, named in the header.
    public var reader: InstalledRules.Reader

    /// Compares what `installed` holds with `desired`: every planned chain, stale
    /// per-service chains, and our jumps in the built-in chains (a missing jump shows as a
    /// `+` line; jumps are only ever added). Rules are compared in the form `installed` was
    /// read in: bytes from libiptc, save-form text from `iptables-save`.
    public init(installed: InstalledRules, desired: Ruleset) throws(IptablesError) {
        family = desired.family
        reader = installed.reader
        chains = []
        var encoder = EntryEncoder(family: desired.family)
        let describer = RuleDescriber(family: desired.family)
        for table in desired.tables.sorted(by: { $0.table.applyOrder < $1.table.applyOrder }) {
            let kernel = installed.tables[table.table] ?? [:]
            for chain in table.chains {
                let name = chain.name.description
                guard let current = kernel[name] else {
                    chains.append(ChainDifference(table: table.table, chain: name, state: .missing,
                                                  lines: chain.rules.map { "+-A \(name) \(RestoreRenderer.text($0))" }))
                    continue
                }
                var planned: [InstalledRule.Planned] = []
                for rule in chain.rules {
                    planned.append(try installed.comparable(rule, table: table.table, chain: chain.name, encoder: &encoder))
                }
                let lines = Self.lineDiff(current, planned, rules: chain.rules, chain: name, describer: describer)
                if !lines.isEmpty {
                    chains.append(ChainDifference(table: table.table, chain: name, state: .changed, lines: lines))
                }
            }
            let planned = Set(table.chains.map(\.name.description))
            for (name, current) in kernel.sorted(by: { $0.key < $1.key })
            where ChainName.isServiceChain(name) && !planned.contains(name) {
                chains.append(ChainDifference(table: table.table, chain: name, state: .stale,
                                              lines: current.map { "--A \(name) \(describer.describe($0))" }))
            }
            for jump in BuiltinJump.needed(by: desired) where jump.table == table.table {
                let rule = try installed.comparable(jump.rule, table: jump.table, chain: jump.chainName, encoder: &encoder)
                if !(kernel[jump.chain] ?? []).contains(where: { $0.isSame(as: rule) }) {
                    chains.append(ChainDifference(table: table.table, chain: jump.chain, state: .changed,
                                                  lines: ["+-A \(jump.chain) \(RestoreRenderer.text(jump.rule))"]))
                }
            }
        }
    }

    /// The differing middle of two rule lists after their common start and end.
    static func lineDiff(_ current: [InstalledRule], _ planned: [InstalledRule.Planned], rules: [Rule], chain: String,
                         describer: RuleDescriber) -> [String] {
        var start = 0
        while start < current.count, start < planned.count, current[start].isSame(as: planned[start]) { start += 1 }
        var endKernel = current.count, endPlan = planned.count
        while endKernel > start, endPlan > start, current[endKernel - 1].isSame(as: planned[endPlan - 1]) {
            endKernel -= 1
            endPlan -= 1
        }
        return current[start..<endKernel].map { "--A \(chain) \(describer.describe($0))" }
            + rules[start..<endPlan].map { "+-A \(chain) \(RestoreRenderer.text($0))" }
    }

    /// The whole difference as text: a header, then one `@@ table chain @@` block per chain.
    public var text: String {
        guard !chains.isEmpty else { return "" }
        let tool = family == .ipv6 ? "ip6tables" : "iptables"
        let source = reader == .libiptc ? tool : "\(tool), read with \(reader)"
        var text = "--- kernel (\(source))\n+++ planned\n"
        for chain in chains {
            let note = chain.state == .changed ? "" : " (\(chain.state == .missing ? "missing in the kernel" : "stale: not planned"))"
            text += "@@ \(chain.table) \(chain.chain)\(note) @@\n"
            for line in chain.lines { text += line + "\n" }
        }
        return text
    }
}
