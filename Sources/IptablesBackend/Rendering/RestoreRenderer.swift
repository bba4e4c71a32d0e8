import Dispatch
import ProxyCore
import ServiceModel

/// Writes a ruleset as iptables-restore input in kube-proxy's form: `*filter` then `*nat`,
/// each with its chain lines (`:KUBE-SERVICES - [0:0]`), its `-A` rules chain by chain, and
/// `COMMIT`. Hosts are written bare, networks with their length, marks as `0x00004000`,
/// probabilities with ten decimals, comments quoted when they hold more than one word.
///
/// The renderer keeps one byte buffer and reuses its capacity from one render to the next,
/// so a node agent that renders every sync does not grow and shrink it each time.
public struct RestoreRenderer: Sendable {
    /// The text of the last render.
    public private(set) var bytes: [UInt8] = []
    /// The number of lines in the last render.
    public private(set) var lineCount = 0

    public init() {}

    /// Renders a whole ruleset, replacing the previous text.
    public mutating func render(_ ruleset: Ruleset) {
        bytes.removeAll(keepingCapacity: true)
        lineCount = 0
        let ruleCounts = ruleset.tables.map(\.ruleCount)
        bytes.reserveCapacity(zip(ruleset.tables, ruleCounts).reduce(0) { total, table in
            total + table.0.chains.count * 40 + table.1 * Self.typicalLineLength
        })
        for (table, rules) in zip(ruleset.tables, ruleCounts) {
            var head = TextWriter(capacity: table.chains.count * 40 + 16)
            head.put("*"); head.put(string: table.table.rawValue); head.endLine()
            // By index: only the name is read, with no copy of the chain.
            for index in table.chains.indices {
                head.writeDeclaration(table.chains[index].name)
            }
            keep(head)
            Self.writeRules(table.chains, rules: rules) { keep($0) }
            var tail = TextWriter(capacity: 16)
            tail.put("COMMIT"); tail.endLine()
            keep(tail)
        }
    }

    /// Renders a whole ruleset in pieces of about `chunkSize` bytes, handing each to `write`
    /// as soon as it is full: the same text as ``render(_:)``, in bounded memory.
    public mutating func render(_ ruleset: Ruleset, chunkSize: Int = 1 << 20,
                                to write: (UnsafeRawBufferPointer) throws -> Void) rethrows {
        bytes.removeAll(keepingCapacity: true)
        var writer = TextWriter(capacity: chunkSize + 4096)
        func flush(ifAbove limit: Int) throws {
            guard writer.count > limit else { return }
            try write(writer.written)
            writer.removeAll()
        }
        for table in ruleset.tables {
            writer.put("*"); writer.put(string: table.table.rawValue); writer.endLine()
            for chain in table.chains {
                writer.writeDeclaration(chain.name)
                try flush(ifAbove: chunkSize)
            }
            for index in table.chains.indices {
                writer.writeRules(table.chains[index].rules, of: table.chains[index].name)
                try flush(ifAbove: chunkSize)
            }
            writer.put("COMMIT"); writer.endLine()
        }
        try flush(ifAbove: 0)
        lineCount = writer.lineCount
    }

    /// Renders the `iptables-restore --noflush` input that turns the installed rules of an
    /// earlier plan into `ruleset`, in kube-proxy's partial-sync form: per table, each
    /// changed or stale chain declared (which flushes it, or creates it), the changed
    /// chains' rules, and `-X` for the stale ones. Tables without changes are left out.
    public mutating func render(_ ruleset: Ruleset, changes: RulesetChanges) {
        bytes.removeAll(keepingCapacity: true)
        lineCount = 0
        var writer = TextWriter()
        for table in ruleset.tables {
            let tableChanges = changes[table.table]
            guard !tableChanges.isEmpty else { continue }
            let written = Set(tableChanges.written)
            writer.put("*"); writer.put(string: table.table.rawValue); writer.endLine()
            for name in (tableChanges.written + tableChanges.deleted).sorted() {
                writer.writeDeclaration(name)
            }
            for chain in table.chains where written.contains(chain.name) {
                writer.writeRules(chain.rules, of: chain.name)
            }
            for name in tableChanges.deleted {
                writer.put("-X "); writer.put(name); writer.endLine()
            }
            writer.put("COMMIT"); writer.endLine()
        }
        keep(writer)
    }

    /// The text of a ruleset.
    public static func text(_ ruleset: Ruleset) -> String {
        var renderer = RestoreRenderer()
        renderer.render(ruleset)
        return String(decoding: renderer.bytes, as: UTF8.self)
    }

    /// The text of one rule as it appears after `-A <chain>`, without the chain: for logs,
    /// diffs and error messages.
    public static func text(_ rule: Rule) -> String {
        var writer = TextWriter(capacity: 256)
        writer.write(rule)
        return String(decoding: writer.written.dropFirst(), as: UTF8.self)
    }

    /// Appends what `writer` holds to the text.
    private mutating func keep(_ writer: borrowing TextWriter) {
        bytes.append(contentsOf: writer.written)
        lineCount += writer.lineCount
    }

    // MARK: - Rule lines, on every core

    /// About the length of a rule line of a large cluster, in bytes.
    static let typicalLineLength = 112

    /// Above this many rules a table's rule lines are written on every core, in runs of
    /// whole chains, and joined in order.
    public static let concurrentRuleThreshold = 20_000

    /// Contiguous runs of chains with about the same number of rules, one per core; a
    /// single run for small tables.
    static func runs(_ chains: [Chain], rules total: Int) -> [Range<Int>] {
        let count = ProcessInfoCores.active
        guard total > concurrentRuleThreshold, count > 1 else { return [0..<chains.count] }
        var runs: [Range<Int>] = []
        var start = 0
        var seen = 0
        for index in chains.indices {
            seen += chains[index].rules.count
            if seen * count >= total * (runs.count + 1), runs.count < count - 1 {
                runs.append(start..<index + 1)
                start = index + 1
            }
        }
        runs.append(start..<chains.count)
        return runs
    }

    /// Writes the `-A` lines of `chains`, in runs of chains on every core, and hands each
    /// run's text to `keep` in order.
    private static func writeRules(_ chains: [Chain], rules: Int, _ keep: (borrowing TextWriter) -> Void) {
        let runs = runs(chains, rules: rules)
        let parts = UnsafeMutablePointer<TextWriter>.allocate(capacity: runs.count)
        defer { parts.deallocate() }
        nonisolated(unsafe) let slots = parts
        DispatchQueue.concurrentPerform(iterations: runs.count) { run in
            let range = runs[run]
            var part = TextWriter(capacity: rules / runs.count * typicalLineLength * 11 / 10 + 4096)
            for index in range {
                part.writeRules(chains[index].rules, of: chains[index].name)
            }
            (slots + run).initialize(to: part)
        }
        for run in runs.indices {
            let part = (parts + run).move()
            keep(part)
        }
    }
}

// MARK: - Spelling

extension TextWriter {
    /// `:NAME - [0:0]`: declares (and so flushes) a chain.
    mutating func writeDeclaration(_ name: ChainName) {
        put(":"); put(name); put(" - [0:0]"); endLine()
    }

    /// One `-A` line per rule of the chain `name`.
    mutating func writeRules(_ rules: [Rule], of name: ChainName) {
        // Through the buffers, so rules and matches are read in place rather than copied.
        rules.withUnsafeBufferPointer { rules in
            for index in rules.indices {
                put("-A "); put(name)
                write(rules[index])
                endLine()
            }
        }
    }

    /// The rule's matches and target, each with a leading space.
    mutating func write(_ rule: Rule) {
        rule.matches.withUnsafeBufferPointer { matches in
            for index in matches.indices {
                write(matches[index])
            }
        }
        if let target = rule.target {
            write(target)
        }
    }

    private mutating func write(_ match: Match) {
        switch match {
        case .comment(let text):
            put(" -m comment --comment "); putComment(text)
        case .protocol(let proto):
            switch proto {
            case .tcp: put(" -m tcp -p tcp")
            case .udp: put(" -m udp -p udp")
            case .sctp: put(" -m sctp -p sctp")
            }
        case .source(let address, let negated):
            put(negated ? " ! -s " : " -s "); put(address)
        case .destination(let address, let negated):
            put(negated ? " ! -d " : " -d "); put(address)
        case .destinationPort(let port):
            put(" --dport "); putDecimal(port)
        case .sourceIsLocal:
            put(" -m addrtype --src-type LOCAL")
        case .destinationIsLocal:
            put(" -m addrtype --dst-type LOCAL")
        case .inInterface(let name, let negated):
            put(negated ? " ! -i " : " -i "); put(string: name)
        case .mark(let mark, let negated):
            put(negated ? " -m mark ! --mark " : " -m mark --mark ")
            putHex(mark.value); put("/"); putHex(mark.mask)
        case .conntrackState(let states, let negated):
            put(negated ? " -m conntrack ! --ctstate " : " -m conntrack --ctstate ")
            for (index, state) in states.enumerated() {
                if index > 0 { put(",") }
                put(string: state.rawValue)
            }
        case .statistic(let probability):
            put(" -m statistic --mode random --probability "); put(string: probability.description)
        case .recent(let name, let action):
            put(" -m recent --name "); put(name)
            switch action {
            case .set:
                put(" --set")
            case .check(let seconds):
                put(" --rcheck --seconds "); putDecimal(seconds); put(" --reap")
            }
        }
    }

    private mutating func write(_ target: Target) {
        switch target {
        case .jump(let chain): put(" -j "); put(chain)
        case .accept: put(" -j ACCEPT")
        case .drop: put(" -j DROP")
        case .reject: put(" -j REJECT")
        case .return: put(" -j RETURN")
        case .dnat(let address, let port):
            put(" -j DNAT --to-destination ")
            if address.family == .ipv6 {
                put("["); put(address); put("]")
            } else {
                put(address)
            }
            put(":"); putDecimal(port)
        case .orMark(let bits): put(" -j MARK --or-mark "); putHex(bits)
        case .xorMark(let bits): put(" -j MARK --xor-mark "); putHex(bits)
        case .masquerade(let randomFully): put(randomFully ? " -j MASQUERADE --random-fully" : " -j MASQUERADE")
        }
    }
}
