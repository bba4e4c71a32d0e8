import ServiceModel

/// What staging one table writes: the chains whose encoded rules follow, in order, and for a
/// partial sync the chains to delete.
struct StagingPlan: Sendable {
    /// Compare every chain with the kernel and delete stale per-service chains (a full
    /// sync), or write exactly ``chains`` and delete ``deleted`` (a partial one).
    var full: Bool
    var chains: [String]
    var deleted: [String]

    /// The plan for `table` and the chains it names, in the order their rules are handed
    /// over: every chain for a full sync, the changed ones for a partial sync.
    static func make(_ table: TableRules, changes: RulesetChanges.TableChanges?, full: Bool)
        -> (plan: StagingPlan, chains: [Chain]) {
        guard !full, let changes else {
            return (StagingPlan(full: true, chains: table.chains.map(\.name.description), deleted: []), table.chains)
        }
        let wanted = Set(changes.written)
        let byName = Dictionary(table.chains.lazy.filter { wanted.contains($0.name) }.map { ($0.name, $0) },
                                uniquingKeysWith: { first, _ in first })
        let chains = changes.written.compactMap { byName[$0] }
        return (StagingPlan(full: false, chains: chains.map(\.name.description), deleted: changes.deleted.map(\.description)),
                chains)
    }
}

/// A built-in chain's jump into our chains, encoded.
struct EncodedJump: Sendable {
    /// The built-in chain, e.g. `PREROUTING`.
    var chain: String
    var rule: EncodedRule

    /// The jumps `ruleset` needs (``BuiltinJump/needed(by:)``), encoded, per table.
    static func needed(by ruleset: Ruleset) throws(IptablesError) -> [Table: [EncodedJump]] {
        var encoder = EntryEncoder(family: ruleset.family)
        var jumps: [Table: [EncodedJump]] = [:]
        for jump in BuiltinJump.needed(by: ruleset) {
            jumps[jump.table, default: []].append(
                EncodedJump(chain: jump.chain, rule: try encoder.encoded(jump.rule, table: jump.table, chain: jump.chainName)))
        }
        return jumps
    }
}

/// Hands over a table's chains encoded, one at a time, in the order of a ``StagingPlan``.
protocol EncodedChainSource {
    /// Calls `body` with the next chain's rules, checked and encoded; valid only inside `body`.
    mutating func withNextChain<Result>(_ body: (EncodedChain) throws(IptablesError) -> Result) throws(IptablesError) -> Result

    /// Called once every chain was handed over, before the table is committed: a source
    /// that reads its chains from elsewhere checks here that nothing was cut short.
    mutating func finish() throws(IptablesError)
}

/// Staging one table's changes in libiptc's copy of it, and committing them.
enum LibiptcStaging {
    /// Stages one table's changes in `kernel` and commits them if anything differs.
    ///
    /// A partial sync (`partial`, and the table's canary in place) writes and deletes only
    /// the chains its plan names. A full sync compares every chain with the kernel, writes
    /// those that differ and deletes stale per-service chains. `open(full)` gives the plan
    /// and its chains; it returns `nil` when it cannot give a full sync, and so does this
    /// function, leaving the table as it was.
    static func stage<Source: EncodedChainSource>(
        _ table: Table, partial: Bool, jumps: [EncodedJump], into kernel: inout LibiptcTable,
        open: (_ full: Bool) throws(IptablesError) -> (StagingPlan, Source)?
    ) throws(IptablesError) -> TableReport? {
        let canary = ChainName.canary.description
        // A table flushed behind our back is synced in full whatever the plan.
        guard let (plan, opened) = try open(!partial || !kernel.hasChain(canary)) else { return nil }
        var source = opened
        var report = TableReport(table: table)
        report.full = plan.full
        let existing = plan.full ? Set(kernel.chainNames()) : []
        // Create what is missing, sorted (libiptc inserts sorted names cheaply), before any
        // rule can jump to it.
        var missing = Set(plan.chains.filter { !kernel.hasChain($0) })
        if !kernel.hasChain(canary) { missing.insert(canary) }
        for name in missing.sorted() {
            try kernel.createChain(name)
            report.created.append(name)
        }
        for name in plan.chains {
            let isNew = missing.contains(name)
            let written = try source.withNextChain { (rules) throws(IptablesError) -> Bool in
                if !isNew {
                    if plan.full && kernel.holds(name, rules) { return false }
                    try kernel.flushChain(name)
                }
                for index in 0..<rules.count {
                    try rules.withRule(index) { (entry) throws(IptablesError) in try kernel.append(entry, to: name) }
                }
                return true
            }
            if written { report.written.append(name) }
        }
        try source.finish()
        let toDelete: [String]
        if plan.full {
            let wanted = Set(plan.chains)
            toDelete = existing.filter { ChainName.isServiceChain($0) && !wanted.contains($0) }.sorted()
        } else {
            toDelete = plan.deleted.filter { kernel.hasChain($0) }
        }
        for name in toDelete { try kernel.flushChain(name) }
        for name in toDelete {
            try kernel.deleteChain(name)
            report.deleted.append(name)
        }
        for jump in jumps where !kernel.entries(of: jump.chain).contains(where: { $0.isSame(as: jump.rule) }) {
            try kernel.insert(jump.rule.bytes, into: jump.chain, at: 0)
            report.insertedJumps.append("\(jump.chain) -> \(jump.rule.targetLabel)")
        }
        report.committed = !report.created.isEmpty || !report.written.isEmpty || !report.deleted.isEmpty
            || !report.insertedJumps.isEmpty
        if report.committed { try kernel.commit() }
        report.kernelDuration = kernel.readDuration + kernel.commitDuration
        return report
    }
}

/// Encodes chains one at a time, into one buffer reused from chain to chain: the encoded
/// form of a large table is as big as the kernel's copy, and is never needed whole.
struct ChainEncoder: EncodedChainSource {
    let table: Table
    private let chains: [Chain]
    private var next = 0
    private var encoder: EntryEncoder
    private var buffer = EncodedChain()

    /// Encodes `chains` of `table`, whose rules must have been checked
    /// (``EntryEncoder/validate(_:table:chain:)``).
    init(_ chains: [Chain], of table: Table, encoder: EntryEncoder) {
        self.table = table
        self.chains = chains
        self.encoder = encoder
    }

    mutating func withNextChain<Result>(_ body: (EncodedChain) throws(IptablesError) -> Result) throws(IptablesError) -> Result {
        let chain = chains[next]
        next += 1
        buffer.removeAll()
        for rule in chain.rules {
            try encoder.encodeValidated(rule, table: table, chain: chain.name)
            buffer.append(encoder)
        }
        return try body(buffer)
    }

    mutating func finish() {}
}

extension EntryEncoder {
    /// Checks every rule of `chains` (see ``validate(_:table:chain:)``).
    func validate(_ chains: some Sequence<Chain>, table: Table) throws(IptablesError) {
        for chain in chains {
            for rule in chain.rules { try validate(rule, table: table, chain: chain.name) }
        }
    }
}
