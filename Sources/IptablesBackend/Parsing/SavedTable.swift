/// One table as `iptables-save` prints it: its chains, which of them are built in, and each
/// chain's rules as text. Lines it does not know (comments, `*table`, `COMMIT`) are skipped;
/// a rule's words are read later, by ``SaveFormParser``.
public struct SavedTable: Sendable, Equatable {
    public var chains: Set<String> = []
    /// The built-in chains: those declared with a policy rather than `-`.
    public var builtins: Set<String> = []
    /// Each chain's rules as `iptables-save` prints them, without `-A CHAIN `.
    public var rules: [String: [String]] = [:]

    public init(_ text: String) {
        for line in text.split(separator: "\n") {
            if line.hasPrefix(":") {
                let words = line.dropFirst().split(separator: " ")
                guard let name = words.first else { continue }
                chains.insert(String(name))
                if words.count > 1, words[1] != "-" { builtins.insert(String(name)) }
            } else if line.hasPrefix("-A ") {
                let rest = line.dropFirst(3)
                let chain = String(rest.prefix { $0 != " " })
                rules[chain, default: []].append(String(rest.dropFirst(chain.count + 1)))
            }
        }
    }
}
