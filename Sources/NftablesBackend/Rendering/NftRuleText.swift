import ProxyCore
import ServiceModel

/// Rules, verdicts and elements in nft's syntax, spelled as kube-proxy's nftables mode
/// spells them (so our text and kube-proxy's compare line by line).
public enum NftRuleText {
    /// `ip daddr 172.30.0.41 tcp dport 80 ip saddr != 10.0.0.0/8 jump mark-for-masquerade`,
    /// with ` comment "…"` when the rule has one.
    public static func rule(_ rule: NftRule, family: IPFamily) -> String {
        var words = rule.matches.map { match($0, family: family) }
        words.append(statement(rule.statement, family: family))
        if let comment = rule.comment { words.append("comment \(quoted(comment))") }
        return words.joined(separator: " ")
    }

    public static func match(_ match: NftMatch, family: IPFamily) -> String {
        let ip = NftRuleset.tableFamily(family)
        switch match {
        case .connectionIsNew: return "ct state new"
        case .destination(let test): return "\(ip) daddr " + addressTest(test)
        case .source(let test): return "\(ip) saddr " + addressTest(test)
        case .inInterface(let name, let negated): return negated ? "iifname != \(name)" : "iifname \(name)"
        case .destinationPort(let proto, let port): return "\(proto.lowercaseName) dport \(port)"
        case .destinationIsLocal: return "fib daddr type local"
        case .sourceIsLocal: return "fib saddr type local"
        case .markClear(let mark): return "mark and \(hex(mark)) == 0"
        }
    }

    public static func statement(_ statement: NftStatement, family: IPFamily) -> String {
        let ip = NftRuleset.tableFamily(family)
        switch statement {
        case .verdict(let verdict): return self.verdict(verdict)
        case .destinationMap(let map): return "\(ip) daddr . meta l4proto . th dport vmap @\(map)"
        case .portMap(let map): return "meta l4proto . th dport vmap @\(map)"
        case .randomChain(let chains):
            let choices = chains.enumerated().map { "\($0.offset) : goto \($0.element)" }.joined(separator: " , ")
            return "numgen random mod \(chains.count) vmap { \(choices) }"
        case .setMark(let mark): return "mark set mark or \(hex(mark))"
        case .toggleMark(let mark): return "mark set mark xor \(hex(mark))"
        case .masquerade(let fullyRandom): return fullyRandom ? "masquerade fully-random" : "masquerade"
        case .dnat(let proto, let address, let port):
            return "meta l4proto \(proto.lowercaseName) dnat to \(address.withPort(port))"
        case .rememberSource(let set): return "update @\(set) { \(ip) saddr }"
        }
    }

    public static func verdict(_ verdict: NftVerdict) -> String {
        switch verdict {
        case .jump(let chain): "jump \(chain)"
        case .goto(let chain): "goto \(chain)"
        case .return: "return"
        case .drop: "drop"
        case .reject: "reject"
        case .accept: "accept"
        }
    }

    /// `172.30.0.41 . tcp . 80 : goto service-…`, with kube-proxy's comment before the colon.
    public static func element(_ element: NftMap.Element) -> String {
        let comment = element.comment.map { " comment \(quoted($0))" } ?? ""
        return "\(element.keyText)\(comment) : \(verdict(element.verdict))"
    }

    static func addressTest(_ test: NftAddressTest) -> String {
        let operand = switch test.operand {
        case .address(let address): address.description
        case .anonymousSet(let addresses): "{ " + addresses.map(\.description).joined(separator: " , ") + " }"
        case .namedSet(let name): "@" + name
        }
        return test.negated ? "!= " + operand : operand
    }

    /// `"text"`; kube-proxy's comments hold no quotes.
    static func quoted(_ text: String) -> String {
        "\"" + text.replacingOccurrences(of: "\"", with: "'") + "\""
    }

    /// `0x4000`.
    static func hex(_ value: UInt32) -> String { "0x" + String(value, radix: 16) }
}
