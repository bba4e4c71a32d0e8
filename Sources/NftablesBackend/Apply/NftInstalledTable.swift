import Foundation

/// What the kernel's `kube-proxy` table of one family holds now, as a sync needs it: its
/// chains with their rule counts and its sets (names only; contents are ours to rewrite).
public struct NftInstalledTable: Hashable, Sendable {
    /// Rules per chain.
    public var ruleCounts: [String: Int] = [:]
    public var sets: Set<String> = []
    /// Whether the table exists at all.
    public var exists = false

    public init() {}

    /// The names, for ``NftTransaction/fullSync(_:installed:recreatingBaseChains:)``.
    public var names: NftInstalledNames { NftInstalledNames(chains: Set(ruleCounts.keys), sets: sets) }

    /// Reads `nft -j list table` output.
    init(json: String) throws(NftablesError) {
        guard let root = try? JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any],
              let items = root["nftables"] as? [[String: Any]] else {
            throw NftablesError("read the table's listing", "not nft's JSON: \(json.prefix(120))")
        }
        for item in items {
            if let table = item["table"] as? [String: Any], table["name"] as? String == NftRuleset.tableName {
                exists = true
            } else if let chain = item["chain"] as? [String: Any], let name = chain["name"] as? String {
                ruleCounts[name, default: 0] += 0
            } else if let rule = item["rule"] as? [String: Any], let chain = rule["chain"] as? String {
                ruleCounts[chain, default: 0] += 1
            } else if let set = item["set"] as? [String: Any], let name = set["name"] as? String {
                sets.insert(name)
            }
        }
    }
}
