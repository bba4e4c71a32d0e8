import ProxyCore
import ServiceModel

/// Reads a rule as `iptables-save` prints it back into a ``Rule``: the inverse of
/// ``SaveFormRenderer`` for every match and target a service proxy writes. This is how the
/// rules of an nft host (where libiptc does not see them) are read for `diff`, `trace` and
/// `verify`.
///
/// A rule using anything else (another tool's extension, an option we never write) is not
/// guessed at: ``rule(_:)`` throws, naming the word it could not read, so a caller can list
/// the rule rather than judge packets without it.
public struct SaveFormParser: Sendable {
    public let family: IPFamily

    public init(family: IPFamily) {
        self.family = family
    }

    /// Why a rule could not be read.
    public struct Unreadable: Error, Equatable, CustomStringConvertible {
        /// The rule's text, without `-A CHAIN`.
        public var rule: String
        public var reason: String
        public var description: String { "\(rule): \(reason)" }
    }

    /// The rule of one `-A CHAIN …` line's text after the chain name.
    public func rule(_ text: String) throws(Unreadable) -> Rule {
        let words: [String]
        do { words = try ShellWords.split(text) } catch { throw Unreadable(rule: text, reason: error.description) }
        var cursor = Cursor(words: words, text: text)
        var rule = Rule([], nil)
        // `-p` is printed first, but the protocol's match (`-m tcp`) keeps its place among
        // the matches, and that place is part of the rule as written.
        var declaredProtocol: L4Protocol?
        while let word = cursor.next() {
            var negated = false
            var option = word
            if word == "!" {
                negated = true
                option = try cursor.value(after: "!")
            }
            switch option {
            case "-s", "-d":
                let address = try address(cursor.value(after: option), cursor)
                rule.matches.append(option == "-s" ? .source(address, negated: negated) : .destination(address, negated: negated))
            case "-i":
                rule.matches.append(.inInterface(try cursor.value(after: option), negated: negated))
            case "-p":
                let name = try cursor.value(after: option)
                guard !negated, let proto = L4Protocol(lowercaseName: name) else { throw cursor.unreadable("protocol '\(negated ? "! " : "")\(name)'") }
                declaredProtocol = proto
            case "-m" where !negated:
                try readMatch(try cursor.value(after: option), into: &rule, &cursor)
            case "-j" where !negated:
                rule.target = try readTarget(try cursor.value(after: option), &cursor)
            default:
                throw cursor.unreadable("'\(word)'")
            }
        }
        if let declaredProtocol, !rule.matches.contains(.protocol(declaredProtocol)) {
            rule.matches.append(.protocol(declaredProtocol))
        }
        return rule
    }

    /// The words of a line and how far they are read.
    private struct Cursor {
        let words: [String]
        let text: String
        var index = 0

        mutating func next() -> String? {
            guard index < words.count else { return nil }
            defer { index += 1 }
            return words[index]
        }

        /// The next word if it is `option`, consumed.
        mutating func take(_ option: String) -> Bool {
            guard index < words.count, words[index] == option else { return false }
            index += 1
            return true
        }

        mutating func value(after option: String) throws(Unreadable) -> String {
            guard let value = next() else { throw unreadable("'\(option)' without a value") }
            return value
        }

        func unreadable(_ what: String) -> Unreadable {
            Unreadable(rule: text, reason: "\(what) is not something kproxy-iptables writes")
        }
    }

    private func address(_ text: String, _ cursor: Cursor) throws(Unreadable) -> AddressMatch {
        guard let prefix = IPPrefix(text) ?? IPAddress(text).flatMap({ IPPrefix(address: $0, length: $0.family == .ipv4 ? 32 : 128) }),
              prefix.address.family == family else { throw cursor.unreadable("address '\(text)'") }
        return prefix.length == (family == .ipv4 ? 32 : 128) ? .host(prefix.address) : .network(prefix)
    }

    private func readMatch(_ name: String, into rule: inout Rule, _ cursor: inout Cursor) throws(Unreadable) {
        switch name {
        case "comment":
            guard cursor.take("--comment") else { throw cursor.unreadable("'-m comment' without '--comment'") }
            rule.matches.append(.comment(try cursor.value(after: "--comment")))
        case "tcp", "udp", "sctp":
            let proto = L4Protocol(lowercaseName: name)!
            if !rule.matches.contains(.protocol(proto)) { rule.matches.append(.protocol(proto)) }
            if cursor.take("--dport") {
                let text = try cursor.value(after: "--dport")
                guard let port = Int(text), (0...65535).contains(port) else { throw cursor.unreadable("port '\(text)'") }
                rule.matches.append(.destinationPort(port))
            }
        case "addrtype":
            var any = false
            while true {
                if cursor.take("--src-type") {
                    guard try cursor.value(after: "--src-type") == "LOCAL" else { throw cursor.unreadable("an address type other than LOCAL") }
                    rule.matches.append(.sourceIsLocal)
                } else if cursor.take("--dst-type") {
                    guard try cursor.value(after: "--dst-type") == "LOCAL" else { throw cursor.unreadable("an address type other than LOCAL") }
                    rule.matches.append(.destinationIsLocal)
                } else {
                    break
                }
                any = true
            }
            guard any else { throw cursor.unreadable("'-m addrtype' without a LOCAL type") }
        case "mark":
            let negated = cursor.take("!")
            guard cursor.take("--mark") else { throw cursor.unreadable("'-m mark' without '--mark'") }
            let (value, mask) = try markPair(try cursor.value(after: "--mark"), cursor)
            rule.matches.append(.mark(PacketMark(value: value, mask: mask), negated: negated))
        case "conntrack":
            let negated = cursor.take("!")
            guard cursor.take("--ctstate") else { throw cursor.unreadable("'-m conntrack' without '--ctstate'") }
            var states: [ConntrackState] = []
            for name in try cursor.value(after: "--ctstate").split(separator: ",") {
                guard let state = ConntrackState(rawValue: String(name)) else { throw cursor.unreadable("conntrack state '\(name)'") }
                states.append(state)
            }
            rule.matches.append(.conntrackState(states, negated: negated))
        case "statistic":
            guard cursor.take("--mode"), try cursor.value(after: "--mode") == "random", cursor.take("--probability"),
                  let value = Double(try cursor.value(after: "--probability")), value > 0, value <= 1 else {
                throw cursor.unreadable("a statistic match other than '--mode random --probability p'")
            }
            rule.matches.append(.statistic(Probability(oneIn: max(1, Int((1 / value).rounded())))))
        case "recent":
            try readRecent(into: &rule, &cursor)
        default:
            throw cursor.unreadable("match '-m \(name)'")
        }
    }

    /// `--set` or `--rcheck --seconds N --reap`, then `--name`, the full mask and `--rsource`
    /// as iptables-save spells out their defaults.
    private func readRecent(into rule: inout Rule, _ cursor: inout Cursor) throws(Unreadable) {
        let action: RecentAction
        if cursor.take("--set") {
            action = .set
        } else if cursor.take("--rcheck"), cursor.take("--seconds"), let seconds = Int(try cursor.value(after: "--seconds")),
                  cursor.take("--reap") {
            action = .check(seconds: seconds)
        } else {
            throw cursor.unreadable("a recent match other than '--set' or '--rcheck --seconds N --reap'")
        }
        guard cursor.take("--name"), let name = ChainName(try cursor.value(after: "--name")) else {
            throw cursor.unreadable("a recent match without a list name")
        }
        let fullMask = family == .ipv4 ? "255.255.255.255" : "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"
        if cursor.take("--mask"), try cursor.value(after: "--mask") != fullMask { throw cursor.unreadable("a recent match with a partial mask") }
        _ = cursor.take("--rsource")
        rule.matches.append(.recent(name: name, action))
    }

    private func readTarget(_ name: String, _ cursor: inout Cursor) throws(Unreadable) -> Target {
        switch name {
        case "ACCEPT": return .accept
        case "DROP": return .drop
        case "RETURN": return .return
        case "REJECT":
            if cursor.take("--reject-with") {
                let reply = try cursor.value(after: "--reject-with")
                guard reply == (family == .ipv4 ? "icmp-port-unreachable" : "icmp6-port-unreachable") else {
                    throw cursor.unreadable("REJECT with '\(reply)'")
                }
            }
            return .reject
        case "DNAT":
            guard cursor.take("--to-destination") else { throw cursor.unreadable("DNAT without '--to-destination'") }
            return try destination(try cursor.value(after: "--to-destination"), cursor)
        case "MASQUERADE":
            return .masquerade(randomFully: cursor.take("--random-fully"))
        case "MARK":
            guard cursor.take("--set-xmark") else { throw cursor.unreadable("MARK other than '--set-xmark'") }
            let (value, mask) = try markPair(try cursor.value(after: "--set-xmark"), cursor)
            if mask == value { return .orMark(value) }
            if mask == 0 { return .xorMark(value) }
            throw cursor.unreadable("MARK --set-xmark with mask \(SaveFormRenderer.hex(mask))")
        default:
            guard let chain = ChainName(name) else { throw cursor.unreadable("target '\(name)'") }
            return .jump(chain)
        }
    }

    /// `ip:port`, or `[ip]:port` for IPv6.
    private func destination(_ text: String, _ cursor: Cursor) throws(Unreadable) -> Target {
        guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]), (1...65535).contains(port) else {
            throw cursor.unreadable("DNAT destination '\(text)'")
        }
        var host = text[..<colon]
        if host.hasPrefix("["), host.hasSuffix("]") { host = host.dropFirst().dropLast() }
        guard let address = IPAddress(host), address.family == family else { throw cursor.unreadable("DNAT destination '\(text)'") }
        return .dnat(address, port: port)
    }

    /// `0xVALUE/0xMASK`, or `0xVALUE` for a full mask.
    private func markPair(_ text: String, _ cursor: Cursor) throws(Unreadable) -> (UInt32, UInt32) {
        func number(_ part: Substring) -> UInt32? {
            part.hasPrefix("0x") ? UInt32(part.dropFirst(2), radix: 16) : UInt32(part)
        }
        let parts = text.split(separator: "/", maxSplits: 1)
        guard let value = parts.first.flatMap(number) else { throw cursor.unreadable("mark '\(text)'") }
        guard parts.count == 2 else { return (value, .max) }
        guard let mask = number(parts[1]) else { throw cursor.unreadable("mark '\(text)'") }
        return (value, mask)
    }
}
