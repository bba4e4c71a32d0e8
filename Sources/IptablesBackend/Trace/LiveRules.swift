import ServiceModel

/// The kernel's current rules as a ruleset, for tracing: our chains decoded, and the
/// built-in chains' rules we can read (other tools' rules that use extensions we do not
/// write are left out, and counted).
public enum LiveRules {
    public static func read(family: IPFamily, applier: LibiptcApplier = LibiptcApplier()) throws(IptablesError)
        -> (ruleset: Ruleset, builtins: [Table: [String: [Rule]]]) {
        let installed = try applier.installed(family: family)
        let decoder = EntryDecoder(family: family)
        var tables: [TableRules] = []
        var builtins: [Table: [String: [Rule]]] = [:]
        for table in [Table.filter, .nat] {
            var chains: [Chain] = []
            for (name, entries) in (installed.tables[table] ?? [:]).sorted(by: { $0.key < $1.key }) {
                let rules = entries.compactMap { decoder.rule($0) }
                if ChainName.isOwned(name), let chain = ChainName(name) {
                    chains.append(Chain(chain, rules))
                } else {
                    builtins[table, default: [:]][name] = rules
                }
            }
            tables.append(TableRules(table, chains: chains))
        }
        return (Ruleset(family: family, tables: tables), builtins)
    }
}
