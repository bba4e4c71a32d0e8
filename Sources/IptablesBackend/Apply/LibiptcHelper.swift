import Foundation
import ProxyCore
import ServiceModel
#if canImport(Glibc)
import Glibc
#endif

/// libiptc in a process of its own, one table per process.
///
/// libiptc holds its own copy of a table, one allocation per rule, and builds the whole
/// table again to send it back: for 320,000 rules, a quarter of a gigabyte at its peak. In
/// a helper that memory lives only as long as the apply and is given back whole when the
/// helper exits, the way kube-proxy's `iptables-restore` child does it, so a node agent
/// stays at the size of its plan. Unlike that child, the helper is sent rules already
/// encoded, not text to parse.
///
/// The sending side (``LibiptcApplier`` with a ``LibiptcApplier/helperCommand``) streams the
/// request, chain by chain as it encodes them, to the helper's standard input; the helper
/// takes the xtables lock, reads the table, stages each chain as it arrives and commits
/// only once the whole request is in. Its outcome comes back as JSON on standard output.
/// A program that uses ``LibiptcApplier`` this way runs ``serve(input:output:)`` as the
/// helper: `kproxy-iptables libiptc-helper` does.
public enum LibiptcHelper {
    /// Reads one request from `input`, applies it, writes the outcome to `output`, and ends
    /// the process: with status 0 when the outcome was written, whatever it says.
    ///
    /// Once the table is staged and its outcome written, the process ends at once, without
    /// freeing libiptc's copy of the table rule by rule: the system takes it back whole.
    public static func serve(input: Int32 = STDIN_FILENO, output: Int32 = STDOUT_FILENO) -> Never {
        exit(respond(input: input, output: output, whileTableIsOpen: { _exit(0) }))
    }

    /// ``serve(input:output:)`` without ending the process: returns its exit status.
    /// `whileTableIsOpen` runs after an outcome was written while libiptc still holds the
    /// table, only if the outcome was written.
    static func respond(input: Int32, output: Int32, whileTableIsOpen: () -> Void = {}) -> Int32 {
        var status: Int32 = 1
        var plan = StagingPlan(full: true, chains: [], deleted: [])
        func reply(_ outcome: HelperOutcome) {
            guard let json = outcome.encoded(plan: plan) else { return }
            var writer = WireWriter(output)
            do throws(IptablesError) {
                try writer.raw(json)
                try writer.flush()
                status = 0
            } catch {
                status = 1
            }
        }
        do throws(IptablesError) {
            let reader = WireReader(input)
            let request = try HelperRequest.read(from: reader)
            plan = request.plan
            try request.apply(reading: reader) { staged in
                if var report = staged {
                    report.applierPeakResidentKilobytes = ChildProcess.peakResidentKilobytes(of: getpid())
                    reply(.applied(report))
                } else {
                    reply(.needsFull)
                }
                if status == 0 { whileTableIsOpen() }
            }
        } catch {
            reply(.failed(error))
        }
        return status
    }

    /// Sends `request` and `chains` (encoded by `encoder`, in the plan's order) to a helper
    /// started with `command`, and returns what it did.
    static func apply(_ request: HelperRequest, chains: [Chain], encoder: EntryEncoder, command: [String])
        throws(IptablesError) -> HelperOutcome {
        let output = try IptablesTool.run(command) { descriptor in
            var writer = WireWriter(descriptor)
            // A write that fails means the helper stopped reading; its outcome says why.
            try? request.send(chains: chains, encoder: encoder, to: &writer)
        }
        guard let outcome = HelperOutcome.decoded(output.standardOutput, plan: request.plan) else {
            throw .tool(command: command.joined(separator: " "), status: output.status,
                        output: output.stderr.isEmpty ? "no outcome on standard output" : output.stderr)
        }
        return outcome
    }
}

/// What a helper is asked to do with one table; the encoded chains follow it on the wire.
struct HelperRequest: Sendable {
    static let startMark: UInt32 = 0x4B50_5831  // "KPX1"
    static let endMark: UInt32 = 0x454E_4421  // "END!"

    var family: IPFamily
    var table: Table
    var lockPath: String
    var lockTimeout: Duration
    var plan: StagingPlan
    var jumps: [EncodedJump]

    /// Writes the request and then `chains`, the plan's chains in its order, each encoded
    /// as it is sent, and the end mark.
    func send(chains: [Chain], encoder: EntryEncoder, to writer: inout WireWriter) throws(IptablesError) {
        try write(to: &writer)
        var source = ChainEncoder(chains, of: table, encoder: encoder)
        for _ in chains { try source.withNextChain { (rules) throws(IptablesError) in try writer.chain(rules) } }
        try writer.u32(Self.endMark)
        try writer.flush()
    }

    private func write(to writer: inout WireWriter) throws(IptablesError) {
        try writer.u32(Self.startMark)
        try writer.string(family.rawValue)
        try writer.string(table.rawValue)
        try writer.string(lockPath)
        try writer.u32(UInt32(clamping: lockTimeout.components.seconds * 1000
                              + lockTimeout.components.attoseconds / 1_000_000_000_000_000))
        try writer.u32(plan.full ? 1 : 0)
        try writer.strings(plan.chains)
        try writer.strings(plan.deleted)
        try writer.u32(UInt32(jumps.count))
        for jump in jumps {
            try writer.string(jump.chain)
            try writer.string(jump.rule.targetLabel)
            try writer.bytes(jump.rule.bytes)
        }
    }

    static func read(from reader: WireReader) throws(IptablesError) -> HelperRequest {
        guard try reader.u32() == startMark else { throw .helper("the request does not start with its mark") }
        guard let family = IPFamily(rawValue: try reader.string()), let table = Table(rawValue: try reader.string()) else {
            throw .helper("the request names an unknown family or table")
        }
        let lockPath = try reader.string()
        let lockTimeout = Duration.milliseconds(Int(try reader.u32()))
        let full = try reader.u32() == 1
        let plan = StagingPlan(full: full, chains: try reader.strings(), deleted: try reader.strings())
        var jumps: [EncodedJump] = []
        for _ in 0..<(try reader.u32()) {
            let chain = try reader.string()
            let label = try reader.string()
            let bytes = try reader.withBytes { Array($0) }
            jumps.append(EncodedJump(chain: chain, rule: EncodedRule(bytes: bytes, targetLabel: label)))
        }
        return HelperRequest(family: family, table: table, lockPath: lockPath, lockTimeout: lockTimeout, plan: plan, jumps: jumps)
    }

    /// The helper's work: stages the chains `reader` hands over under the lock, commits
    /// them, and calls `staged` with what it did while the table is still open: `nil` when
    /// a partial request meets a table that must be synced in full.
    func apply(reading reader: WireReader, then staged: (TableReport?) -> Void) throws(IptablesError) {
        try LibiptcTable.locked(family: family, table: table, lockPath: lockPath, lockTimeout: lockTimeout) { kernel throws(IptablesError) in
            staged(try LibiptcStaging.stage(table, partial: !plan.full, jumps: jumps, into: &kernel) { (full) -> (StagingPlan, ChainReader)? in
                full && !plan.full ? nil : (plan, ChainReader(reader: reader))
            })
        }
    }
}

/// The chains of a request, read from the wire as staging asks for them.
private struct ChainReader: EncodedChainSource {
    let reader: WireReader
    var buffer = EncodedChain()

    mutating func withNextChain<Result>(_ body: (EncodedChain) throws(IptablesError) -> Result) throws(IptablesError) -> Result {
        try reader.chain(into: &buffer)
        return try body(buffer)
    }

    mutating func finish() throws(IptablesError) {
        guard try reader.u32() == HelperRequest.endMark else { throw .helper("the request does not end with its mark") }
    }
}

/// What a helper did.
enum HelperOutcome: Equatable {
    case applied(TableReport)
    /// The request was partial, and the table must be synced in full: nothing was changed.
    case needsFull
    case failed(IptablesError)

    /// The outcome as the helper sends it: JSON, with the chains created and written given
    /// as positions in `plan`'s chains where they are there. A full sync creates and writes
    /// a hundred thousand chains; their names are already in the sender's memory, and a
    /// second copy of each, with the JSON around it, would be most of a sync's peak.
    func encoded(plan: StagingPlan) -> [UInt8]? {
        let wire: WireOutcome
        switch self {
        case .applied(let report):
            let positions = Dictionary(plan.chains.enumerated().map { ($1, $0) }, uniquingKeysWith: { first, _ in first })
            var compact = report
            var created: [Int] = [], written: [Int] = []
            (compact.created, created) = Self.positions(of: report.created, in: positions)
            (compact.written, written) = Self.positions(of: report.written, in: positions)
            wire = .applied(compact, created: created, written: written)
        case .needsFull: wire = .needsFull
        case .failed(let error): wire = .failed(error)
        }
        return (try? JSONEncoder().encode(wire)).map { Array($0) }
    }

    /// Reads what ``encoded(plan:)`` wrote for the same plan.
    static func decoded(_ bytes: [UInt8], plan: StagingPlan) -> HelperOutcome? {
        guard let wire = try? JSONDecoder().decode(WireOutcome.self, from: Data(bytes)) else { return nil }
        switch wire {
        case .applied(var report, let created, let written):
            guard let createdNames = names(created, others: report.created, in: plan),
                  let writtenNames = names(written, others: report.written, in: plan) else { return nil }
            report.created = createdNames
            report.written = writtenNames
            return .applied(report)
        case .needsFull: return .needsFull
        case .failed(let error): return .failed(error)
        }
    }

    /// `names` as positions in the plan, -1 for a name it lacks; those names, in order.
    private static func positions(of names: [String], in positions: [String: Int]) -> (others: [String], positions: [Int]) {
        var others: [String] = []
        let found = names.map { name in
            if let position = positions[name] { return position }
            others.append(name)
            return -1
        }
        return (others, found)
    }

    private static func names(_ positions: [Int], others: [String], in plan: StagingPlan) -> [String]? {
        var rest = others[...]
        var names: [String] = []
        names.reserveCapacity(positions.count)
        for position in positions {
            if position >= 0 {
                guard position < plan.chains.count else { return nil }
                names.append(plan.chains[position])
            } else {
                guard let name = rest.popFirst() else { return nil }
                names.append(name)
            }
        }
        return names
    }

    private enum WireOutcome: Codable {
        /// The report's `created` and `written` hold only the names outside the plan.
        case applied(TableReport, created: [Int], written: [Int])
        case needsFull
        case failed(IptablesError)
    }
}
