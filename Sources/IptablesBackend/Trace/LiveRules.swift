import ServiceModel

/// The kernel's current rules as values, for tracing and verifying: our chains and the
/// built-in chains, read by the applier that writes them (libiptc on a legacy host, the
/// save tool on an nft host).
///
/// Every rule must be read. A rule we cannot read (another tool's extension in a built-in
/// chain) could decide a packet's fate, so leaving it out would make any verdict a guess:
/// reading fails instead, listing each such rule.
public struct LiveRules: Sendable {
    public var ruleset: Ruleset
    /// The built-in chains' rules, per table.
    public var builtins: [Table: [String: [Rule]]]

    public static func read(family: IPFamily, applier: any RulesetApplier) throws(IptablesError) -> LiveRules {
        let installed = try applier.installed(family: family)
        let decoder = EntryDecoder(family: family)
        let parser = SaveFormParser(family: family)
        var tables: [TableRules] = []
        var builtins: [Table: [String: [Rule]]] = [:]
        var unreadable: [String] = []
        for table in [Table.filter, .nat] {
            var chains: [Chain] = []
            for (name, installedRules) in (installed.tables[table] ?? [:]).sorted(by: { $0.key < $1.key }) {
                var rules: [Rule] = []
                for installedRule in installedRules {
                    switch installedRule {
                    case .entry(let entry):
                        if let rule = decoder.rule(entry) { rules.append(rule) } else {
                            unreadable.append("\(table) -A \(name) \(decoder.describe(entry))")
                        }
                    case .saved(let text):
                        do { rules.append(try parser.rule(text)) } catch {
                            unreadable.append("\(table) -A \(name) \(error.description)")
                        }
                    }
                }
                if ChainName.isOwned(name), let chain = ChainName(name) {
                    chains.append(Chain(chain, rules))
                } else {
                    builtins[table, default: [:]][name] = rules
                }
            }
            tables.append(TableRules(table, chains: chains))
        }
        guard unreadable.isEmpty else { throw .unreadableRules(family: family, reader: installed.reader.description, rules: unreadable) }
        return LiveRules(ruleset: Ruleset(family: family, tables: tables), builtins: builtins)
    }
}
