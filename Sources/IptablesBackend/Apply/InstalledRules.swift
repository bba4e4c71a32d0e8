import ServiceModel

/// The rules the kernel holds in our chains and in the built-in chains, per table, as the
/// applier that wrote them reads them back: libiptc's entries on a legacy host,
/// `iptables-nft-save`'s lines on an nft host (where libiptc sees other, empty tables).
public struct InstalledRules: Sendable {
    /// What read the rules, which fixes the form they are in.
    public enum Reader: Hashable, Sendable, CustomStringConvertible {
        /// libiptc: every rule is a ``InstalledRule/entry(_:)``.
        case libiptc
        /// An `iptables-save` tool, by name: every rule is a ``InstalledRule/saved(_:)``.
        case saveTool(String)

        public var description: String {
            switch self {
            case .libiptc: return "libiptc"
            case .saveTool(let name): return name
            }
        }
    }

    public var family: IPFamily
    public var reader: Reader
    /// Table → chain name → rules, for the built-in chains and the chains we own.
    public var tables: [Table: [String: [InstalledRule]]] = [:]

    public init(family: IPFamily, reader: Reader) {
        self.family = family
        self.reader = reader
    }

    /// A planned rule in the form this reader's rules are in, to compare with them.
    func comparable(_ rule: Rule, table: Table, chain: ChainName, encoder: inout EntryEncoder) throws(IptablesError) -> InstalledRule.Planned {
        switch reader {
        case .libiptc: return .encoded(try encoder.encoded(rule, table: table, chain: chain))
        case .saveTool: return .saved(SaveFormRenderer.text(rule, family: family))
        }
    }
}
