import Foundation
import ProxyCore
import ServiceModel

/// The `kube-proxy` table as the kernel holds it, read back into values from nft's JSON
/// listing (`nft -j list table`): what `diff`, `trace --live` and `verify --live` compare
/// and follow. Rules whose expressions kube-proxy's layout never writes are listed as
/// ``unreadable`` (and left out of ``ruleset``), never guessed at.
public struct NftLiveTable: Sendable {
    /// A rule that could not be read: its chain, and nft's JSON of it.
    public struct UnreadableRule: Hashable, Sendable {
        public var chain: String
        public var json: String
    }

    public var ruleset: NftRuleset
    /// Whether the table exists at all.
    public var exists = false
    public var unreadable: [UnreadableRule] = []

    /// Reads the table of `family` through libnftables; an empty value when there is none.
    public static func read(family: IPFamily) throws(NftablesError) -> NftLiveTable {
        let context = try NftablesContext(json: true)
        do {
            let json = try context.run("list table \(NftRuleset.qualifiedTableName(family))", operation: "list the table")
            return try NftLiveTable(json: json, family: family)
        } catch where error.isNotFound {
            return NftLiveTable(ruleset: NftRuleset(family: family))
        }
    }

    init(ruleset: NftRuleset) {
        self.ruleset = ruleset
    }

    /// Reads `nft -j list table` output.
    public init(json: String, family: IPFamily) throws(NftablesError) {
        guard let root = try? JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any],
              let items = root["nftables"] as? [[String: Any]] else {
            throw NftablesError("read the table's listing", "not nft's JSON: \(json.prefix(120))")
        }
        ruleset = NftRuleset(family: family)
        var chainIndex: [String: Int] = [:]
        for item in items {
            if item["table"] != nil {
                exists = true
            } else if let chain = item["chain"] as? [String: Any], let name = chain["name"] as? String {
                chainIndex[name] = ruleset.chains.count
                ruleset.chains.append(NftChain(name, hook: Self.hook(chain), comment: chain["comment"] as? String))
            } else if let set = item["set"] as? [String: Any], let name = set["name"] as? String {
                ruleset.sets.append(Self.set(set, name: name))
            } else if let map = item["map"] as? [String: Any], let name = map["name"] as? String {
                ruleset.maps.append(Self.map(map, name: name))
            } else if let rule = item["rule"] as? [String: Any], let chain = rule["chain"] as? String,
                      let index = chainIndex[chain] {
                if let read = NftLiveRuleReader.rule(rule) {
                    ruleset.chains[index].rules.append(read)
                } else {
                    unreadable.append(UnreadableRule(chain: chain, json: NftLiveRuleReader.text(rule)))
                }
            }
        }
    }

    private static func hook(_ chain: [String: Any]) -> NftBaseChain? {
        guard let type = (chain["type"] as? String).flatMap(NftBaseChain.Kind.init(rawValue:)),
              let hook = (chain["hook"] as? String).flatMap(NftBaseChain.Hook.init(rawValue:)),
              let priority = chain["prio"] as? Int else { return nil }
        return NftBaseChain(type, hook, priority: priority)
    }

    private static func set(_ set: [String: Any], name: String) -> NftSet {
        let elements = (set["elem"] as? [Any] ?? []).compactMap { ($0 as? String).flatMap(IPAddress.init) }
        return NftSet(name, comment: set["comment"] as? String, timeoutSeconds: set["timeout"] as? Int, elements: elements)
    }

    private static func map(_ map: [String: Any], name: String) -> NftMap {
        let key: NftMap.Key = (map["type"] as? [String])?.count == 3 ? .addressProtocolPort : .protocolPort
        var result = NftMap(name, key: key, comment: map["comment"] as? String)
        for case let pair as [Any] in map["elem"] as? [Any] ?? [] where pair.count == 2 {
            guard let verdict = NftLiveRuleReader.verdict(pair[1]) else { continue }
            var keyValue = pair[0], comment: String?
            if let wrapped = (keyValue as? [String: Any])?["elem"] as? [String: Any] {
                keyValue = wrapped["val"] as Any
                comment = wrapped["comment"] as? String
            }
            guard var parts = ((keyValue as? [String: Any])?["concat"] as? [Any]) else { continue }
            var address: IPAddress?
            if key == .addressProtocolPort { address = (parts.removeFirst() as? String).flatMap(IPAddress.init) }
            guard parts.count == 2, let proto = (parts[0] as? String).flatMap(L4Protocol.init(lowercaseName:)),
                  let port = parts[1] as? Int else { continue }
            result.elements.append(NftMap.Element(address: address, protocol: proto, port: port, verdict: verdict,
                                                  comment: comment))
        }
        return result
    }
}
