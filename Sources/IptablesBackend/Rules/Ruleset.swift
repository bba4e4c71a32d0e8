import ServiceModel

/// One iptables rule: conditions, in the order they are written, and what to do.
public struct Rule: Hashable, Sendable {
    public var matches: [Match]
    /// `nil` for a rule that only carries a comment.
    public var target: Target?

    public init(_ matches: [Match], _ target: Target?) {
        self.matches = matches
        self.target = target
    }

    /// A rule without matches or target: what a moved-from place holds.
    static let filler = Rule([], nil)

    /// The text of the rule's comment, if it has one.
    public var comment: String? {
        for match in matches {
            if case .comment(let text) = match { return text }
        }
        return nil
    }
}

/// A chain and its rules, in order.
public struct Chain: Hashable, Sendable {
    public var name: ChainName
    public var rules: [Rule]

    public init(_ name: ChainName, _ rules: [Rule] = []) {
        self.name = name
        self.rules = rules
    }
}

/// The iptables tables a service proxy writes to.
public enum Table: String, Hashable, Sendable, Codable, CaseIterable {
    case filter
    case nat
}

/// The chains one table holds, in declaration order.
public struct TableRules: Hashable, Sendable {
    public var table: Table
    public var chains: [Chain]

    public init(_ table: Table, chains: [Chain] = []) {
        self.table = table
        self.chains = chains
    }

    /// The chain of that name, if the table declares it.
    public subscript(name: ChainName) -> Chain? {
        chains.first { $0.name == name }
    }

    /// The number of rules over all chains.
    public var ruleCount: Int {
        var count = 0
        for index in chains.indices { count += chains[index].rules.count }
        return count
    }
}

/// Everything a service proxy owns in one IP family: the filter table's chains, then the
/// nat table's. Jumps from the built-in chains (PREROUTING, OUTPUT, …) into these are not
/// part of it; the applier ensures those separately.
public struct Ruleset: Hashable, Sendable {
    public var family: IPFamily
    /// Filter first, then nat: the order they are written and committed in.
    public var tables: [TableRules]

    public init(family: IPFamily, tables: [TableRules]) {
        self.family = family
        self.tables = tables
    }

    public subscript(table: Table) -> TableRules? {
        tables.first { $0.table == table }
    }

    /// The number of rules over all tables.
    public var ruleCount: Int { tables.reduce(0) { $0 + $1.ruleCount } }
}
