import Foundation

/// The `kube-proxy` nft table of a test namespace, read for comparison.
public enum NftListing {
    /// kube-proxy's expected text is a sorted listing, not a transaction: nft reads it once
    /// the table, chain, set and map declarations come before the rules and elements that
    /// name them.
    public static func declarationsFirst(_ text: String) -> String {
        let lines = text.split(separator: "\n").filter { !$0.hasPrefix("#") }
        let isContent = { (line: Substring) in line.hasPrefix("add rule ") || line.hasPrefix("add element ") }
        return (lines.filter { !isContent($0) } + lines.filter(isContent)).joined(separator: "\n") + "\n"
    }

    /// The table as `nft -j list table` gives it, made comparable: one line of JSON per
    /// object without kernel handles, rules in their chain's order, set and map elements
    /// sorted, the lines sorted by object.
    public static func lines(_ namespace: NetworkNamespace, family: String) throws -> [String] {
        let output = try namespace.run(["nft", "-j", "list", "table", family, "kube-proxy"]).check().stdout
        let root = try JSONSerialization.jsonObject(with: Data(output.utf8)) as? [String: Any] ?? [:]
        let items = root["nftables"] as? [[String: Any]] ?? []
        var lines: [String] = []
        var ruleIndex: [String: Int] = [:]
        for item in items {
            guard let (kind, value) = item.first, kind != "metainfo", var object = value as? [String: Any] else { continue }
            object["handle"] = nil
            if var elements = object["elem"] as? [Any] {
                elements.sort { text($0) < text($1) }
                object["elem"] = elements
            }
            if kind == "rule", let chain = object["chain"] as? String {
                object["position"] = ruleIndex[chain, default: 0]
                ruleIndex[chain, default: 0] += 1
            }
            lines.append(kind + " " + text(object))
        }
        return lines.sorted()
    }

    static func text(_ value: Any) -> String {
        let data = (try? JSONSerialization.data(withJSONObject: value, options: [.sortedKeys, .fragmentsAllowed])) ?? Data()
        return String(decoding: data, as: UTF8.self)
    }

    /// The rule counts of the table's chains.
    public static func ruleCounts(_ namespace: NetworkNamespace, family: String) throws -> [String: Int] {
        var counts: [String: Int] = [:]
        for line in try lines(namespace, family: family) {
            guard let data = line.split(separator: " ", maxSplits: 1).last,
                  let object = try JSONSerialization.jsonObject(with: Data(data.utf8)) as? [String: Any] else { continue }
            if line.hasPrefix("chain "), let name = object["name"] as? String { counts[name, default: 0] += 0 }
            if line.hasPrefix("rule "), let chain = object["chain"] as? String { counts[chain, default: 0] += 1 }
        }
        return counts
    }
}
