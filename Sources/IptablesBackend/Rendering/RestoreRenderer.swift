import Dispatch
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
        for table in ruleset.tables {
            write(table)
        }
    }

    /// Renders a whole ruleset in pieces of about `chunkSize` bytes, handing each to `write`
    /// as soon as it is full: the same text as ``render(_:)``, in bounded memory.
    public mutating func render(_ ruleset: Ruleset, chunkSize: Int = 1 << 20,
                                to write: (UnsafeRawBufferPointer) throws -> Void) rethrows {
        bytes.removeAll(keepingCapacity: true)
        lineCount = 0
        func flush(ifAbove limit: Int) throws {
            guard bytes.count > limit else { return }
            try bytes.withUnsafeBytes { try write($0) }
            bytes.removeAll(keepingCapacity: true)
        }
        for table in ruleset.tables {
            put("*"); put(table.table.rawValue); endLine()
            for chain in table.chains {
                put(":"); put(chain.name); put(" - [0:0]"); endLine()
                try flush(ifAbove: chunkSize)
            }
            for chain in table.chains {
                writeRules(CollectionOfOne(chain))
                try flush(ifAbove: chunkSize)
            }
            put("COMMIT"); endLine()
        }
        try flush(ifAbove: 0)
    }

    /// Renders the `iptables-restore --noflush` input that turns the installed rules of an
    /// earlier plan into `ruleset`, in kube-proxy's partial-sync form: per table, each
    /// changed or stale chain declared (which flushes it, or creates it), the changed
    /// chains' rules, and `-X` for the stale ones. Tables without changes are left out.
    public mutating func render(_ ruleset: Ruleset, changes: RulesetChanges) {
        bytes.removeAll(keepingCapacity: true)
        lineCount = 0
        for table in ruleset.tables {
            let tableChanges = changes[table.table]
            guard !tableChanges.isEmpty else { continue }
            let written = Set(tableChanges.written)
            put("*"); put(table.table.rawValue); endLine()
            for name in (tableChanges.written + tableChanges.deleted).sorted() {
                put(":"); put(name); put(" - [0:0]"); endLine()
            }
            writeRules(table.chains.filter { written.contains($0.name) })
            for name in tableChanges.deleted {
                put("-X "); put(name); endLine()
            }
            put("COMMIT"); endLine()
        }
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
        var renderer = RestoreRenderer()
        renderer.write(rule)
        return String(decoding: renderer.bytes.dropFirst(), as: UTF8.self)
    }

    // MARK: - Tables, chains, rules

    mutating func write(_ table: TableRules) {
        put("*"); put(table.table.rawValue); endLine()
        for chain in table.chains {
            put(":"); put(chain.name); put(" - [0:0]"); endLine()
        }
        let runs = Self.runs(table.chains)
        if runs.count > 1 {
            writeConcurrently(table.chains, runs)
        } else {
            writeRules(table.chains)
        }
        put("COMMIT"); endLine()
    }

    private mutating func writeRules(_ chains: some Collection<Chain>) {
        // Lines are about a hundred bytes: reserve once rather than grow by doubling.
        bytes.reserveCapacity(bytes.count + chains.reduce(0) { $0 + $1.rules.count } * Self.typicalLineLength)
        for chain in chains {
            for rule in chain.rules {
                put("-A "); put(chain.name)
                write(rule)
                endLine()
            }
        }
    }

    /// About the length of a rule line of a large cluster, in bytes.
    static let typicalLineLength = 112

    /// Above this many rules a table's rule lines are written on every core, in runs of
    /// whole chains, and joined in order.
    public static let concurrentRuleThreshold = 20_000

    /// Contiguous runs of chains with about the same number of rules, one per core; a
    /// single run for small tables.
    static func runs(_ chains: [Chain]) -> [Range<Int>] {
        let total = chains.reduce(0) { $0 + $1.rules.count }
        let count = ProcessInfoCores.active
        guard total > concurrentRuleThreshold, count > 1 else { return [0..<chains.count] }
        var runs: [Range<Int>] = []
        var start = 0
        var seen = 0
        for (index, chain) in chains.enumerated() {
            seen += chain.rules.count
            if seen * count >= total * (runs.count + 1), runs.count < count - 1 {
                runs.append(start..<index + 1)
                start = index + 1
            }
        }
        runs.append(start..<chains.count)
        return runs
    }

    private mutating func writeConcurrently(_ chains: [Chain], _ runs: [Range<Int>]) {
        var parts = [RestoreRenderer](repeating: RestoreRenderer(), count: runs.count)
        parts.withUnsafeMutableBufferPointer { buffer in
            nonisolated(unsafe) let slots = buffer
            DispatchQueue.concurrentPerform(iterations: runs.count) { run in
                slots[run].writeRules(chains[runs[run]])
            }
        }
        for part in parts {
            bytes.append(contentsOf: part.bytes)
            lineCount += part.lineCount
        }
    }

    mutating func write(_ rule: Rule) {
        for match in rule.matches {
            write(match)
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
            put(" -m "); put(proto.iptablesName); put(" -p "); put(proto.iptablesName)
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
            put(negated ? " ! -i " : " -i "); put(name)
        case .mark(let mark, let negated):
            put(negated ? " -m mark ! --mark " : " -m mark --mark ")
            putHex(mark.value); put("/"); putHex(mark.mask)
        case .conntrackState(let states, let negated):
            put(negated ? " -m conntrack ! --ctstate " : " -m conntrack --ctstate ")
            for (index, state) in states.enumerated() {
                if index > 0 { put(",") }
                put(state.rawValue)
            }
        case .statistic(let probability):
            put(" -m statistic --mode random --probability "); put(probability.description)
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

    // MARK: - Bytes

    private mutating func put(_ text: StaticString) {
        text.withUTF8Buffer { bytes.append(contentsOf: $0) }
    }

    private mutating func put(_ text: String) {
        var text = text
        text.withUTF8 { bytes.append(contentsOf: $0) }
    }

    private mutating func put(_ name: ChainName) {
        name.withUTF8 { bytes.append(contentsOf: $0) }
    }

    private mutating func put(_ address: AddressMatch) {
        switch address {
        case .host(let ip): put(ip)
        case .network(let prefix): put(prefix.address); put("/"); putDecimal(prefix.length)
        }
    }

    private mutating func put(_ address: IPAddress) {
        guard case .v4(let v4) = address else {
            put(address.description)
            return
        }
        // Four octets and three dots into a small buffer, then one append.
        var text: (UInt64, UInt64) = (0, 0)
        withUnsafeMutableBytes(of: &text) { buffer in
            var count = 0
            for shift in stride(from: 24, through: 0, by: -8) {
                let octet = UInt8(truncatingIfNeeded: v4.value >> UInt32(shift))
                if octet >= 100 { buffer[count] = UInt8(ascii: "0") + octet / 100; count += 1 }
                if octet >= 10 { buffer[count] = UInt8(ascii: "0") + octet / 10 % 10; count += 1 }
                buffer[count] = UInt8(ascii: "0") + octet % 10
                count += 1
                if shift > 0 { buffer[count] = UInt8(ascii: "."); count += 1 }
            }
            bytes.append(contentsOf: UnsafeRawBufferPointer(rebasing: buffer[..<count]))
        }
    }

    private mutating func endLine() {
        bytes.append(UInt8(ascii: "\n"))
        lineCount += 1
    }

    private mutating func putDecimal(_ value: Int) {
        if value < 0 {
            bytes.append(UInt8(ascii: "-"))
            putDecimal(-value)
            return
        }
        if value < 10 {
            bytes.append(UInt8(ascii: "0") + UInt8(value))
            return
        }
        // Digits from the right into a small buffer, then in one append.
        var digits: (UInt64, UInt64, UInt64) = (0, 0, 0)
        withUnsafeMutableBytes(of: &digits) { buffer in
            var rest = value
            var start = buffer.count
            while rest > 0 {
                start -= 1
                buffer[start] = UInt8(ascii: "0") + UInt8(rest % 10)
                rest /= 10
            }
            bytes.append(contentsOf: UnsafeRawBufferPointer(rebasing: buffer[start...]))
        }
    }

    /// `0x` and eight hex digits, as kube-proxy writes marks.
    private mutating func putHex(_ value: UInt32) {
        put("0x")
        for shift in stride(from: 28, through: 0, by: -4) {
            let digit = UInt8((value >> UInt32(shift)) & 0xF)
            bytes.append(digit < 10 ? UInt8(ascii: "0") + digit : UInt8(ascii: "a") + digit - 10)
        }
    }

    /// A comment as one iptables-restore word: bare when it is a single plain word, else in
    /// double quotes with `"` and `\` escaped. Control characters, which would end the line,
    /// are written as `?`.
    private mutating func putComment(_ text: String) {
        var plain = !text.isEmpty
        var escaped = false
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"), 0..<0x20, 0x7F...:
                plain = false
                escaped = escaped || byte < 0x80
            case UInt8(ascii: " "), UInt8(ascii: "'"), UInt8(ascii: "#"):
                plain = false
            default:
                break
            }
        }
        if plain {
            put(text)
            return
        }
        if !escaped {
            bytes.append(UInt8(ascii: "\""))
            put(text)
            bytes.append(UInt8(ascii: "\""))
            return
        }
        bytes.append(UInt8(ascii: "\""))
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"):
                bytes.append(UInt8(ascii: "\\"))
                bytes.append(byte)
            case 0..<0x20, 0x7F:
                bytes.append(UInt8(ascii: "?"))
            default:
                bytes.append(byte)
            }
        }
        bytes.append(UInt8(ascii: "\""))
    }
}
