import Foundation

/// What the kernel's `kube-proxy` table of one family holds now, as a full sync needs it:
/// whether it exists, and the names of its chains and sets (contents are ours to rewrite).
/// Read from nft's listings of chains and sets, not of the whole table: at 10,000 services
/// the rules would be gigabytes of JSON.
public struct NftInstalledTable: Hashable, Sendable {
    public var exists = false
    public var names = NftInstalledNames()

    public init() {}

    /// Reads the JSON of `nft -j list tables|chains|sets <family>`, keeping the objects of
    /// the `kube-proxy` table.
    mutating func read(json: String) throws(NftablesError) {
        guard let root = try? JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any],
              let items = root["nftables"] as? [[String: Any]] else {
            throw NftablesError("read the table's listing", "not nft's JSON: \(json.prefix(120))")
        }
        for item in items {
            if let table = item["table"] as? [String: Any], table["name"] as? String == NftRuleset.tableName {
                exists = true
            } else if let chain = item["chain"] as? [String: Any], chain["table"] as? String == NftRuleset.tableName,
                      let name = chain["name"] as? String {
                names.chains.insert(name)
            } else if let set = item["set"] as? [String: Any], set["table"] as? String == NftRuleset.tableName,
                      let name = set["name"] as? String {
                names.sets.insert(name)
            }
        }
    }
}
