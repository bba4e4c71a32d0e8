import ServiceModel

/// What differs between two rulesets of one family, chain by chain: the chains to write
/// (new, or with other rules) and the chains to delete. An applier turns this into kernel
/// operations; chains not named here are left as they are.
public struct RulesetChanges: Hashable, Sendable {
    /// The changes of one table.
    public struct TableChanges: Hashable, Sendable {
        public var table: Table
        /// Chains that are new or whose rules changed, in byte order of their names.
        public var written: [ChainName]
        /// Chains that are no longer wanted, in byte order.
        public var deleted: [ChainName]

        public init(table: Table, written: [ChainName] = [], deleted: [ChainName] = []) {
            self.table = table
            self.written = written
            self.deleted = deleted
        }

        public var isEmpty: Bool { written.isEmpty && deleted.isEmpty }
    }

    public var family: IPFamily
    /// filter, then nat.
    public var tables: [TableChanges]

    public var isEmpty: Bool { tables.allSatisfy(\.isEmpty) }

    public subscript(table: Table) -> TableChanges {
        tables.first { $0.table == table } ?? TableChanges(table: table)
    }

    /// Every chain of `ruleset` written, nothing deleted: what a first sync does.
    public static func everything(in ruleset: Ruleset) -> RulesetChanges {
        RulesetChanges(family: ruleset.family, tables: ruleset.tables.map {
            TableChanges(table: $0.table, written: $0.chains.map(\.name).sorted())
        })
    }
}

extension Ruleset {
    /// The chains to write and delete to turn `previous` into `self`. A chain counts as
    /// changed when any of its rules differ, so a one-endpoint change names only the chains
    /// of that service port (and the dispatch chains, if its capture rules changed).
    public func diff(from previous: Ruleset) -> RulesetChanges {
        var tables: [RulesetChanges.TableChanges] = []
        for table in Table.allCases {
            let wanted = self[table]?.chains ?? []
            let had = previous[table]?.chains ?? []
            guard !wanted.isEmpty || !had.isEmpty else { continue }
            var before: [ChainName: [Rule]] = [:]
            before.reserveCapacity(had.count)
            for chain in had { before[chain.name] = chain.rules }
            var written: [ChainName] = []
            var kept = Set<ChainName>()
            kept.reserveCapacity(wanted.count)
            for chain in wanted {
                kept.insert(chain.name)
                if before[chain.name] != chain.rules { written.append(chain.name) }
            }
            let deleted = had.map(\.name).filter { !kept.contains($0) }
            tables.append(RulesetChanges.TableChanges(table: table, written: written.sorted(), deleted: deleted.sorted()))
        }
        return RulesetChanges(family: family, tables: tables.sorted { $0.table.applyOrder < $1.table.applyOrder })
    }
}

extension Table {
    /// filter is applied before nat, so a moment between the two commits never has new
    /// DNATs without the REJECT/DROP rules that go with them.
    var applyOrder: Int { self == .filter ? 0 : 1 }
}
