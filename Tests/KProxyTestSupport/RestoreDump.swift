import IptablesBackend

/// iptables-restore text read back into words, for checking rendered text by meaning: the
/// same comparison kube-proxy-compatible output is judged by (chain declarations as a set,
/// each chain's rules in order, except the dispatch chains whose service blocks kube-proxy
/// writes in random order: there, a multiset with the KUBE-NODEPORTS jumps last).
public struct RestoreDump: Equatable, Sendable {
    public struct TableDump: Equatable, Sendable {
        public var chains: [String: String] = [:]
        public var chainOrder: [String] = []
        public var rules: [String: [[String]]] = [:]
        public var deleted: Set<String> = []
    }

    public var tables: [String: TableDump] = [:]
    public var tableOrder: [String] = []

    public struct ParseError: Error, CustomStringConvertible {
        public var line: Int
        public var message: String
        public var description: String { "line \(line): \(message)" }
    }

    public init(_ text: String) throws(ParseError) {
        var current: String?
        for (index, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = raw.trimmingCharacters(in: " \t\r")
            let number = index + 1
            if line.isEmpty || line.hasPrefix("#") { continue }
            if line.hasPrefix("*") {
                let name = String(line.dropFirst())
                if tables[name] == nil { tableOrder.append(name) }
                tables[name, default: TableDump()] = tables[name] ?? TableDump()
                current = name
                continue
            }
            guard let table = current else { throw ParseError(line: number, message: "'\(line)' before any table") }
            if line == "COMMIT" {
                current = nil
                continue
            }
            if line.hasPrefix(":") {
                let parts = line.dropFirst().split(separator: " ").map(String.init)
                guard let chain = parts.first else { throw ParseError(line: number, message: "empty chain line") }
                tables[table]!.chains[chain] = parts.count > 1 ? parts[1] : "-"
                tables[table]!.chainOrder.append(chain)
                tables[table]!.rules[chain, default: []] = tables[table]!.rules[chain] ?? []
                continue
            }
            let words: [String]
            do { words = try Self.split(line) } catch { throw ParseError(line: number, message: error.message) }
            if words.count >= 2, words[0] == "-A" {
                tables[table]!.rules[words[1], default: []].append(Array(words[2...]))
            } else if words.count == 2, words[0] == "-X" {
                tables[table]!.deleted.insert(words[1])
            } else {
                throw ParseError(line: number, message: "unsupported line '\(line)'")
            }
        }
        if current != nil { throw ParseError(line: 0, message: "table without COMMIT at the end") }
    }

    /// Splits a line into words as iptables-restore does (``ShellWords``).
    public static func split(_ line: String) throws(ParseError) -> [String] {
        do { return try ShellWords.split(line) } catch { throw ParseError(line: 0, message: error.description) }
    }

    static let dispatchChains: Set<String> = [
        "nat KUBE-SERVICES", "nat KUBE-NODEPORTS", "filter KUBE-SERVICES", "filter KUBE-EXTERNAL-SERVICES",
        "filter KUBE-NODEPORTS", "filter KUBE-PROXY-FIREWALL",
    ]

    /// Sorted lines that two texts with the same meaning share.
    public var canonicalLines: [String] {
        var lines: [String] = []
        for table in tables.keys.sorted() {
            let dump = tables[table]!
            lines.append("*\(table)")
            for chain in dump.chains.keys.sorted() { lines.append(":\(chain) \(dump.chains[chain]!)") }
            for chain in dump.rules.keys.sorted() {
                var rules = dump.rules[chain]!
                if Self.dispatchChains.contains("\(table) \(chain)") {
                    let isTail = { (rule: [String]) in rule.suffix(2) == ["-j", "KUBE-NODEPORTS"] }
                    let key = { (rule: [String]) in rule.joined(separator: "\u{1}") }
                    rules = rules.filter { !isTail($0) }.sorted { key($0) < key($1) }
                        + rules.filter(isTail).sorted { key($0) < key($1) }
                }
                for rule in rules { lines.append((["-A", chain] + rule).joined(separator: " ")) }
            }
            for chain in dump.deleted.sorted() { lines.append("-X \(chain)") }
            lines.append("COMMIT")
        }
        return lines
    }

    /// Chains where a jump to KUBE-NODEPORTS is followed by another rule: kube-proxy writes
    /// those jumps last, after every service's rules, and packets depend on it.
    public var misplacedNodePortJumps: [String] {
        var problems: [String] = []
        for table in tableOrder {
            for (chain, rules) in tables[table]!.rules.sorted(by: { $0.key < $1.key }) {
                let jumps = rules.indices.filter { rules[$0].suffix(2) == ["-j", "KUBE-NODEPORTS"] }
                if let first = jumps.first, first != rules.count - jumps.count {
                    problems.append("\(table)/\(chain): the KUBE-NODEPORTS jumps are not the last rules")
                }
            }
        }
        return problems
    }

    /// The lines only in `self` (`-`) or only in `other` (`+`), and any misplaced
    /// KUBE-NODEPORTS jump of `self`; empty when the two mean the same.
    public func differences(from other: RestoreDump) -> [String] {
        let mine = canonicalLines
        let theirs = other.canonicalLines
        var result: [String] = []
        var theirCounts: [String: Int] = [:]
        for line in theirs { theirCounts[line, default: 0] += 1 }
        var myCounts: [String: Int] = [:]
        for line in mine { myCounts[line, default: 0] += 1 }
        for line in mine where (theirCounts[line] ?? 0) < myCounts[line]! { result.append("- " + line) }
        for line in theirs where (myCounts[line] ?? 0) < theirCounts[line]! { result.append("+ " + line) }
        if mine != theirs && result.isEmpty { result.append("the same lines in a different order") }
        result += misplacedNodePortJumps
        var seen = Set<String>()
        return result.filter { seen.insert($0).inserted }
    }
}

extension StringProtocol {
    func trimmingCharacters(in set: String) -> String {
        var slice = Substring(self)
        while let first = slice.first, set.contains(first) { slice = slice.dropFirst() }
        while let last = slice.last, set.contains(last) { slice = slice.dropLast() }
        return String(slice)
    }
}
