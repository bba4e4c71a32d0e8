import Foundation
import ProxyCore
import ServiceModel

/// Reads one rule of nft's JSON listing back into an ``NftRule``: the expressions
/// ``NftRuleText`` writes, as nft lists them (`tcp dport 80` as a payload match, `mark set
/// mark or 0x4000` as a mangle of `|`, a set of one network as that network). Anything
/// else makes the rule unreadable (`nil`).
enum NftLiveRuleReader {
    typealias Object = [String: Any]

    static func rule(_ rule: Object) -> NftRule? {
        guard var expressions = rule["expr"] as? [Object], let last = expressions.popLast() else { return nil }
        var matches: [NftMatch] = []
        // `meta l4proto tcp` before a dnat belongs to the dnat.
        var natProtocol: L4Protocol?
        if let final = expressions.last, case .some(.l4proto(let proto)) = match(final),
           last["dnat"] != nil {
            natProtocol = proto
            expressions.removeLast()
        }
        for expression in expressions {
            guard case .some(.match(let read)) = match(expression) else { return nil }
            matches.append(read)
        }
        guard let statement = statement(last, natProtocol: natProtocol) else { return nil }
        return NftRule(matches, statement, comment: rule["comment"] as? String)
    }

    /// A match expression: one of ours, or the protocol test a dnat carries.
    enum ReadMatch {
        case match(NftMatch)
        case l4proto(L4Protocol)
    }

    static func match(_ expression: Object) -> ReadMatch? {
        guard let match = expression["match"] as? Object, let op = match["op"] as? String,
              let left = match["left"] as? Object else { return nil }
        let right = match["right"], negated = op == "!="
        guard op == "==" || op == "!=" || op == "in" else { return nil }
        if let payload = left["payload"] as? Object, let field = payload["field"] as? String,
           let proto = payload["protocol"] as? String {
            if proto == "ip" || proto == "ip6" {
                guard let test = addressTest(right, negated: negated) else { return nil }
                switch field {
                case "daddr": return .match(.destination(test))
                case "saddr": return .match(.source(test))
                default: return nil
                }
            }
            guard field == "dport", !negated, let l4 = L4Protocol(lowercaseName: proto), let port = right as? Int else { return nil }
            return .match(.destinationPort(l4, port))
        }
        if let meta = left["meta"] as? Object, let key = meta["key"] as? String, let value = right as? String {
            switch key {
            case "l4proto": return negated ? nil : L4Protocol(lowercaseName: value).map { .l4proto($0) }
            case "iifname": return .match(.inInterface(value, negated: negated))
            default: return nil
            }
        }
        if (left["ct"] as? Object)?["key"] as? String == "state", op == "in", right as? String == "new" {
            return .match(.connectionIsNew)
        }
        if let fib = left["fib"] as? Object, fib["result"] as? String == "type", right as? String == "local", !negated {
            switch fib["flags"] as? [String] ?? [] {
            case ["daddr"]: return .match(.destinationIsLocal)
            case ["saddr"]: return .match(.sourceIsLocal)
            default: return nil
            }
        }
        if let and = left["&"] as? [Any], and.count == 2, isMetaMark(and[0]), let mask = and[1] as? Int,
           right as? Int == 0, op == "==" {
            return .match(.markClear(UInt32(mask)))
        }
        return nil
    }

    static func addressTest(_ right: Any?, negated: Bool) -> NftAddressTest? {
        if let text = right as? String {
            if text.hasPrefix("@") { return NftAddressTest(.namedSet(String(text.dropFirst())), negated: negated) }
            return IPAddress(text).map { NftAddressTest(.address(.host($0)), negated: negated) }
        }
        if let members = (right as? Object)?["set"] as? [Any] {
            // nft lists merged intervals as ranges: each the prefixes that cover it.
            var addresses: [AddressMatch] = []
            for member in members {
                if let match = addressMatch(member) {
                    addresses.append(match)
                } else if let range = (member as? Object)?["range"] as? [String], range.count == 2,
                          let first = IPAddress(range[0]), let last = IPAddress(range[1]) {
                    let end = NftAddressRanges.addingOne(NftAddressRanges.bytes(last))
                    addresses += NftAddressRanges.prefixes(.init(start: NftAddressRanges.bytes(first), end: end)).map { .network($0) }
                } else {
                    return nil
                }
            }
            return NftAddressTest(.anonymousSet(addresses), negated: negated)
        }
        return addressMatch(right as Any).map { NftAddressTest(.address($0), negated: negated) }
    }

    static func addressMatch(_ value: Any) -> AddressMatch? {
        if let text = value as? String { return IPAddress(text).map { .host($0) } }
        guard let prefix = (value as? Object)?["prefix"] as? Object, let address = prefix["addr"] as? String,
              let length = prefix["len"] as? Int else { return nil }
        return IPPrefix("\(address)/\(length)").map { .network($0) }
    }

    static func statement(_ expression: Object, natProtocol: L4Protocol?) -> NftStatement? {
        if let verdict = verdict(expression) { return .verdict(verdict) }
        if let vmap = expression["vmap"] as? Object, let key = vmap["key"] as? Object {
            if let map = vmap["data"] as? String, map.hasPrefix("@"), let parts = key["concat"] as? [Any] {
                return parts.count == 3 ? .destinationMap(String(map.dropFirst())) : .portMap(String(map.dropFirst()))
            }
            if let numgen = key["numgen"] as? Object, numgen["mode"] as? String == "random",
               let choices = (vmap["data"] as? Object)?["set"] as? [Any] {
                var chains: [(Int, String)] = []
                for case let pair as [Any] in choices where pair.count == 2 {
                    guard let index = pair[0] as? Int, case .goto(let chain)? = verdict(pair[1]) else { return nil }
                    chains.append((index, chain))
                }
                guard chains.count == numgen["mod"] as? Int else { return nil }
                return .randomChain(chains.sorted { $0.0 < $1.0 }.map(\.1))
            }
            return nil
        }
        if let mangle = expression["mangle"] as? Object, isMetaMark(mangle["key"] as Any),
           let value = mangle["value"] as? Object {
            if let or = value["|"] as? [Any], or.count == 2, isMetaMark(or[0]), let mark = or[1] as? Int {
                return .setMark(UInt32(mark))
            }
            if let xor = value["^"] as? [Any], xor.count == 2, isMetaMark(xor[0]), let mark = xor[1] as? Int {
                return .toggleMark(UInt32(mark))
            }
            return nil
        }
        if expression.keys.contains("masquerade") {
            let flags = (expression["masquerade"] as? Object)?["flags"]
            let fullyRandom = (flags as? String) == "fully-random" || ((flags as? [String])?.contains("fully-random") ?? false)
            return .masquerade(fullyRandom: fullyRandom)
        }
        if let dnat = expression["dnat"] as? Object, let proto = natProtocol,
           let address = (dnat["addr"] as? String).flatMap(IPAddress.init), let port = dnat["port"] as? Int {
            return .dnat(proto, address, port)
        }
        if let set = expression["set"] as? Object, set["op"] as? String == "update", let name = set["set"] as? String,
           name.hasPrefix("@"), let field = ((set["elem"] as? Object)?["payload"] as? Object)?["field"] as? String,
           field == "saddr" {
            return .rememberSource(inSet: String(name.dropFirst()))
        }
        return nil
    }

    static func verdict(_ value: Any) -> NftVerdict? {
        guard let object = value as? Object, let (key, body) = object.first, object.count == 1 else { return nil }
        switch key {
        case "jump": return ((body as? Object)?["target"] as? String).map { .jump($0) }
        case "goto": return ((body as? Object)?["target"] as? String).map { .goto($0) }
        case "return": return .return
        case "drop": return .drop
        case "accept": return .accept
        case "reject": return .reject
        default: return nil
        }
    }

    static func isMetaMark(_ value: Any) -> Bool {
        ((value as? Object)?["meta"] as? Object)?["key"] as? String == "mark"
    }

    /// A rule's JSON without its handle, for a report.
    static func text(_ rule: Object) -> String {
        var rule = rule
        rule["handle"] = nil
        let data = (try? JSONSerialization.data(withJSONObject: rule, options: [.sortedKeys])) ?? Data()
        return String(decoding: data, as: UTF8.self)
    }
}
