/// An nft table written as `add` commands, read for comparison by meaning: declarations and
/// elements as sets (their order means nothing), each chain's rules as a list (their order
/// is the chain's), comments and blank lines dropped, spacing normalised.
struct NftTableText: Equatable, CustomStringConvertible {
    var declarations: Set<String> = []
    var elements: Set<String> = []
    var rules: [String: [String]] = [:]

    init(_ text: String) {
        for raw in text.split(separator: "\n") {
            let line = raw.split(separator: " ", omittingEmptySubsequences: true).joined(separator: " ")
            guard !line.isEmpty, !line.hasPrefix("#") else { continue }
            let words = line.split(separator: " ", maxSplits: 4).map(String.init)
            if line.hasPrefix("add rule "), words.count == 5 {
                let chainAndRule = words[4].split(separator: " ", maxSplits: 1).map(String.init)
                rules[chainAndRule[0], default: []].append(chainAndRule.count > 1 ? chainAndRule[1] : "")
            } else if line.hasPrefix("add element ") {
                elements.insert(line)
            } else {
                declarations.insert(line)
            }
        }
    }

    /// What one holds and the other does not, line by line.
    func difference(from expected: NftTableText) -> [String] {
        var lines: [String] = []
        lines += expected.declarations.subtracting(declarations).sorted().map { "missing: \($0)" }
        lines += declarations.subtracting(expected.declarations).sorted().map { "extra:   \($0)" }
        lines += expected.elements.subtracting(elements).sorted().map { "missing: \($0)" }
        lines += elements.subtracting(expected.elements).sorted().map { "extra:   \($0)" }
        for chain in Set(rules.keys).union(expected.rules.keys).sorted() where rules[chain] != expected.rules[chain] {
            lines.append("chain \(chain):\n  expected \(expected.rules[chain] ?? [])\n  actual   \(rules[chain] ?? [])")
        }
        return lines
    }

    var description: String { "\(declarations.count) declarations, \(elements.count) elements, \(rules.count) chains with rules" }
}
