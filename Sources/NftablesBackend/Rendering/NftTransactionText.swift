import ServiceModel

extension NftTransaction {
    /// The transaction as `nft -f` reads it, one command a line, spelled as kube-proxy's
    /// nftables mode spells its transactions.
    public var text: String {
        var text = ""
        for command in commands {
            text += NftTransaction.line(command, family: family)
            text += "\n"
        }
        return text
    }

    /// One command's line.
    public static func line(_ command: NftCommand, family: IPFamily) -> String {
        let table = NftRuleset.qualifiedTableName(family)
        switch command {
        case .addTable:
            return "add table \(table) { comment \(NftRuleText.quoted(NftRuleset.tableComment)) ; }"
        case .addChain(let chain):
            var properties: [String] = []
            if let hook = chain.hook {
                properties.append("type \(hook.kind.rawValue) hook \(hook.hook.rawValue) priority \(hook.priority)")
            }
            if let comment = chain.comment { properties.append("comment \(NftRuleText.quoted(comment))") }
            return "add chain \(table) \(chain.name)" + block(properties)
        case .flushChain(let name): return "flush chain \(table) \(name)"
        case .deleteChain(let name): return "delete chain \(table) \(name)"
        case .addRule(let chain, let rule): return "add rule \(table) \(chain) " + NftRuleText.rule(rule, family: family)
        case .addSet(let set):
            var properties = ["type \(addressType(family))"]
            if let seconds = set.timeoutSeconds {
                properties += ["flags dynamic,timeout", "timeout \(seconds)s"]
            }
            if let comment = set.comment { properties.append("comment \(NftRuleText.quoted(comment))") }
            return "add set \(table) \(set.name)" + block(properties)
        case .flushSet(let name): return "flush set \(table) \(name)"
        case .deleteSet(let name): return "delete set \(table) \(name)"
        case .addMap(let map):
            let key = map.key == .addressProtocolPort ? "\(addressType(family)) . inet_proto . inet_service" : "inet_proto . inet_service"
            var properties = ["type \(key) : verdict"]
            if let comment = map.comment { properties.append("comment \(NftRuleText.quoted(comment))") }
            return "add map \(table) \(map.name)" + block(properties)
        case .flushMap(let name): return "flush map \(table) \(name)"
        case .addSetElement(let set, let address): return "add element \(table) \(set) { \(address) }"
        case .deleteSetElement(let set, let address): return "delete element \(table) \(set) { \(address) }"
        case .addMapElement(let map, let element):
            return "add element \(table) \(map) { \(NftRuleText.element(element)) }"
        case .deleteMapElement(let map, let element): return "delete element \(table) \(map) { \(element.keyText) }"
        }
    }

    /// ` { a ; b ; }`, or nothing.
    private static func block(_ properties: [String]) -> String {
        properties.isEmpty ? "" : " { " + properties.map { $0 + " ; " }.joined() + "}"
    }

    /// `ipv4_addr`, `ipv6_addr`.
    static func addressType(_ family: IPFamily) -> String { family == .ipv4 ? "ipv4_addr" : "ipv6_addr" }
}
