import Foundation
import ServiceModel

/// Applies rulesets through libiptc: per table, under the xtables lock, read the table, stage
/// the changes in libiptc's copy and commit it in one atomic replace. A table another writer
/// changed in between (EAGAIN) is read again and the changes staged afresh, up to
/// `maxAttempts` times; any other failure leaves the table as it was.
///
/// Only our chains and our jumps in the built-in chains are touched. New chains are created
/// in byte order (libiptc inserts sorted names cheaply); chains that stay are flushed and
/// refilled, never deleted and re-created.
public struct LibiptcApplier: RulesetApplier {
    public var lockPath: String
    public var lockTimeout: Duration
    public var maxAttempts: Int

    public init(lockPath: String = XtablesLock.defaultPath, lockTimeout: Duration = .seconds(5), maxAttempts: Int = 5) {
        self.lockPath = lockPath
        self.lockTimeout = lockTimeout
        self.maxAttempts = maxAttempts
    }

    public func apply(_ desired: Ruleset, changes: RulesetChanges?) throws(IptablesError) -> SyncReport {
        let jumps = BuiltinJump.needed(by: desired)
        var encoder = EntryEncoder(family: desired.family)
        // Check first: a rule the kernel would refuse stops the sync before any table is
        // touched. A full sync checks every chain; a partial one the chains it writes, so its
        // cost follows the change, not the cluster. (A table a partial sync finds flushed is
        // synced in full, its other chains checked then, before anything is staged.) Chains
        // are encoded later, one at a time as they are staged, so the encoded table is never
        // held whole.
        for table in desired.tables {
            let written = changes.map { Set($0[table.table].written) }
            for chain in table.chains where written?.contains(chain.name) ?? true {
                for rule in chain.rules { try encoder.validate(rule, table: table.table, chain: chain.name) }
            }
        }
        var encodedJumps: [BuiltinJump: EncodedRule] = [:]
        for jump in jumps {
            encodedJumps[jump] = try encoder.encoded(jump.rule, table: jump.table, chain: jump.chainName)
        }
        var reports: [TableReport] = []
        for table in desired.tables.sorted(by: { $0.table.applyOrder < $1.table.applyOrder }) {
            // A partial sync does not read a table it has nothing to write to: reading and
            // replacing a large table is most of a sync's cost.
            if let changes, changes[table.table].isEmpty {
                reports.append(TableReport(table: table.table))
                continue
            }
            var chains = ChainEncoder(table, encoder: encoder)
            let tableJumps = jumps.filter { $0.table == table.table }.map { ($0, encodedJumps[$0]!) }
            let report = try withRetries(family: desired.family, table: table.table) { (kernel: inout LibiptcTable) throws(IptablesError) in
                try Self.stage(table, chains: &chains, jumps: tableJumps, changes: changes?[table.table], into: &kernel)
            }
            reports.append(report)
        }
        return SyncReport(family: desired.family, tables: reports)
    }

    public func cleanup(family: IPFamily) throws(IptablesError) -> SyncReport {
        var reports: [TableReport] = []
        for table in [Table.filter, .nat] {
            reports.append(try withRetries(family: family, table: table) { (kernel: inout LibiptcTable) throws(IptablesError) in
                var report = TableReport(table: table)
                let names = kernel.chainNames()
                // Our jumps out of the built-in chains first, then our chains.
                for chain in names where kernel.isBuiltin(chain) {
                    let entries = kernel.entries(of: chain)
                    for (position, entry) in entries.enumerated().reversed() where ChainName.isOwned(entry.targetLabel) {
                        try kernel.deleteRule(in: chain, at: position)
                        report.insertedJumps.append("-\(chain) -> \(entry.targetLabel)")
                    }
                }
                let owned = names.filter { !kernel.isBuiltin($0) && ChainName.isOwned($0) }
                for chain in owned { try kernel.flushChain(chain) }
                for chain in owned {
                    try kernel.deleteChain(chain)
                    report.deleted.append(chain)
                }
                report.committed = !report.deleted.isEmpty || !report.insertedJumps.isEmpty
                if report.committed { try kernel.commit() }
                return report
            })
        }
        return SyncReport(family: family, tables: reports)
    }

    public func installed(family: IPFamily) throws(IptablesError) -> InstalledRules {
        var installed = InstalledRules(family: family)
        for table in [Table.filter, .nat] {
            let lock = try XtablesLock(path: lockPath, timeout: lockTimeout)
            let chains = try LibiptcTable.withTable(family: family, table: table) { (kernel: inout LibiptcTable) throws(IptablesError) in
                var chains: [String: [KernelEntry]] = [:]
                for name in kernel.chainNames() where kernel.isBuiltin(name) || ChainName.isOwned(name) {
                    chains[name] = kernel.entries(of: name)
                }
                return chains
            }
            _ = consume lock
            installed.tables[table] = chains
        }
        return installed
    }

    /// Runs `stage` on a fresh read of the table under the lock, retrying on EAGAIN.
    private func withRetries(family: IPFamily, table: Table,
                             _ stage: (inout LibiptcTable) throws(IptablesError) -> TableReport) throws(IptablesError) -> TableReport {
        for attempt in 1...maxAttempts {
            let lock = try XtablesLock(path: lockPath, timeout: lockTimeout)
            do {
                var report = try LibiptcTable.withTable(family: family, table: table) { (kernel: inout LibiptcTable) throws(IptablesError) in
                    var report = try stage(&kernel)
                    report.kernelDuration = kernel.readDuration + kernel.commitDuration
                    return report
                }
                report.attempts = attempt
                _ = consume lock
                return report
            } catch {
                _ = consume lock
                if case .kernel(_, _, _, _, let code, _) = error, code == EAGAIN, attempt < maxAttempts { continue }
                if case .kernel(_, _, _, _, let code, _) = error, code == EAGAIN {
                    throw .tableBusy(family: family, table: table, attempts: attempt)
                }
                throw error
            }
        }
        throw .tableBusy(family: family, table: table, attempts: maxAttempts)
    }

    /// Stages one table's changes in `kernel` and commits them if anything differs.
    ///
    /// A partial sync (`changes` given, the canary in place) looks only at the chains it
    /// writes or deletes; a full sync compares every chain and deletes stale ones.
    static func stage(_ desired: TableRules, chains: inout ChainEncoder, jumps: [(BuiltinJump, EncodedRule)],
                      changes: RulesetChanges.TableChanges?, into kernel: inout LibiptcTable) throws(IptablesError) -> TableReport {
        var report = TableReport(table: desired.table)
        let canary = ChainName.canary.description
        let full = changes == nil || !kernel.hasChain(canary)
        report.full = full
        var toWrite: [Chain] = []
        var toDelete: [String] = []
        if full {
            // The table was flushed behind our back, or no plan of changes was given. A
            // partial sync checked only the chains it meant to write: check the rest now,
            // before anything is staged.
            if changes != nil { try chains.validateAll() }
            let existing = Set(kernel.chainNames())
            for chain in desired.chains {
                let name = chain.name.description
                var holds = false
                if existing.contains(name) {
                    holds = try chains.withEncoded(chain) { (rules) throws(IptablesError) in kernel.holds(name, rules) }
                }
                if !holds { toWrite.append(chain) }
            }
            let wanted = Set(desired.chains.map(\.name.description))
            toDelete = existing.filter { ChainName.isServiceChain($0) && !wanted.contains($0) }.sorted()
        } else if let changes {
            toWrite = chains.chains(named: changes.written)
            toDelete = changes.deleted.map(\.description).filter { kernel.hasChain($0) }
        }
        // Create what is missing, sorted, before any rule can jump to it.
        var missing = toWrite.map(\.name.description).filter { !kernel.hasChain($0) }
        if !kernel.hasChain(canary) { missing.append(canary) }
        for name in missing.sorted() {
            try kernel.createChain(name)
            report.created.append(name)
        }
        let created = Set(report.created)
        for chain in toWrite {
            let name = chain.name.description
            if !created.contains(name) { try kernel.flushChain(name) }
            try chains.withEncoded(chain) { (rules) throws(IptablesError) in
                for index in 0..<rules.count {
                    try rules.withRule(index) { (entry) throws(IptablesError) in try kernel.append(entry, to: name) }
                }
            }
            report.written.append(name)
        }
        for name in toDelete { try kernel.flushChain(name) }
        for name in toDelete {
            try kernel.deleteChain(name)
            report.deleted.append(name)
        }
        for (jump, rule) in jumps where !kernel.entries(of: jump.chain).contains(where: { $0.isSame(as: rule) }) {
            try kernel.insert(rule.bytes, into: jump.chain, at: 0)
            report.insertedJumps.append("\(jump.chain) -> \(rule.targetLabel)")
        }
        report.committed = !report.created.isEmpty || !report.written.isEmpty || !report.deleted.isEmpty
            || !report.insertedJumps.isEmpty
        if report.committed { try kernel.commit() }
        return report
    }
}

/// Encodes a table's checked chains one at a time, into one buffer reused from chain to
/// chain: the encoded form of a large table is as big as the kernel's copy, and is never
/// needed whole.
struct ChainEncoder {
    let table: TableRules
    private var encoder: EntryEncoder
    private var buffer = EncodedChain()

    init(_ table: TableRules, encoder: EntryEncoder) {
        self.table = table
        self.encoder = encoder
    }

    /// The table's chains of these names, in the order given; names it lacks are skipped.
    func chains(named names: [ChainName]) -> [Chain] {
        let wanted = Set(names)
        let byName = Dictionary(table.chains.lazy.filter { wanted.contains($0.name) }.map { ($0.name, $0) },
                                uniquingKeysWith: { first, _ in first })
        return names.compactMap { byName[$0] }
    }

    /// Checks every rule of the table (see ``EntryEncoder/validate(_:table:chain:)``).
    func validateAll() throws(IptablesError) {
        for chain in table.chains {
            for rule in chain.rules { try encoder.validate(rule, table: table.table, chain: chain.name) }
        }
    }

    /// Calls `body` with `chain`'s rules encoded; they must have been checked, by ``apply``
    /// up front or by ``validateAll()``. The encoding is valid only inside `body`.
    mutating func withEncoded<Result>(_ chain: Chain, _ body: (EncodedChain) throws(IptablesError) -> Result)
        throws(IptablesError) -> Result {
        buffer.removeAll()
        for rule in chain.rules {
            try encoder.encodeValidated(rule, table: table.table, chain: chain.name)
            buffer.append(encoder)
        }
        return try body(buffer)
    }
}

/// The rules the kernel holds in our chains and in the built-in chains, per table.
public struct InstalledRules: Sendable {
    public var family: IPFamily
    /// Table → chain name → entries, for the built-in chains and the chains we own.
    public var tables: [Table: [String: [KernelEntry]]] = [:]

    public init(family: IPFamily) {
        self.family = family
    }
}
