import Foundation
import ServiceModel

/// Applies rulesets with `iptables-restore --noflush` (nft hosts: `iptables-nft-restore`),
/// sending only the chains to write: each is declared (which flushes or creates it) and
/// filled, stale chains are flushed and deleted, and missing jumps are inserted. Other chains
/// and other tools' rules are never named, so `--noflush` leaves them alone. Everything
/// packets can see changes in one input per sync, committed table by table; only chains
/// nothing jumps to yet go ahead in batches (see ``restoreInputs(_:changes:saved:)``).
public struct RestoreApplier: RulesetApplier {
    public var mode: IptablesTool.Mode

    public init(mode: IptablesTool.Mode) {
        self.mode = mode
    }

    func saved(_ tool: IptablesTool, _ table: Table) throws(IptablesError) -> SavedTable {
        SavedTable(try IptablesTool.check([tool.name("save"), "-t", table.rawValue]).stdout)
    }

    /// What a partial sync needs to know, without reading the whole table (which
    /// `iptables-nft-save` takes seconds to print at a thousand services): whether the
    /// canary is there, which chains to delete still exist, and the built-in chains' rules.
    /// `nil` when the canary is gone and the table needs a full sync.
    func partialSnapshot(_ tool: IptablesTool, _ table: Table, changes: RulesetChanges.TableChanges) throws(IptablesError) -> SavedTable? {
        func list(_ chain: String) throws(IptablesError) -> String? {
            let output = try IptablesTool.run([tool.name(), "-w", "5", "-t", table.rawValue, "-S", chain])
            return output.status == 0 ? output.stdout : nil
        }
        guard try list(ChainName.canary.description) != nil else { return nil }
        var text = ":\(ChainName.canary) - [0:0]\n"
        for chain in changes.written { text += ":\(chain) - [0:0]\n" }
        for chain in changes.deleted where try list(chain.description) != nil { text += ":\(chain) - [0:0]\n" }
        for chain in table == .nat ? ["PREROUTING", "INPUT", "OUTPUT", "POSTROUTING"] : ["INPUT", "FORWARD", "OUTPUT"] {
            text += try list(chain) ?? ""
        }
        return SavedTable(text)
    }

    /// Chains new to the kernel are sent ahead in batches of at most this many: nothing
    /// jumps to them until the last restore, so the batches are invisible to packets, and
    /// iptables-nft-restore --noflush slows down with the square of the chains in one input.
    public static let batchSize = 300

    /// The restore inputs for `desired`, in order: batches of new chains (deepest jump
    /// targets first), then one input with everything that changes what packets see —
    /// rewritten and deleted chains, jumps from the built-in chains, the canary — so that
    /// part is atomic per table. Without `changes`, or when a table's canary is gone, every
    /// planned chain is written.
    func restoreInputs(_ desired: Ruleset, changes: RulesetChanges?, saved: [Table: SavedTable]) -> (inputs: [String], reports: [TableReport]) {
        var batches: [String] = []
        var final = ""
        var reports: [TableReport] = []
        let jumps = BuiltinJump.needed(by: desired)
        for table in desired.tables.sorted(by: { $0.table.applyOrder < $1.table.applyOrder }) {
            let current = saved[table.table] ?? SavedTable("")
            var report = TableReport(table: table.table)
            report.attempts = 1
            let full = changes == nil || !current.chains.contains(ChainName.canary.description)
            report.full = full
            let written: [Chain]
            let deleted: [String]
            if full {
                // Only chains whose installed rules differ from the plan, read in save form.
                written = table.chains.filter { chain in
                    !current.chains.contains(chain.name.description)
                        || (current.rules[chain.name.description] ?? []) != chain.rules.map { SaveFormRenderer.text($0, family: desired.family) }
                }
                let wanted = Set(table.chains.map(\.name.description))
                deleted = current.chains.filter { ChainName.isServiceChain($0) && !wanted.contains($0) }.sorted()
            } else {
                let names = Set(changes![table.table].written)
                written = table.chains.filter { names.contains($0.name) }
                deleted = changes![table.table].deleted.map(\.description).filter(current.chains.contains)
            }
            let fresh = Self.dependencyOrder(written.filter { !current.chains.contains($0.name.description) })
            let rewritten = written.filter { current.chains.contains($0.name.description) }
            for start in stride(from: 0, to: fresh.count, by: Self.batchSize) {
                var body = ""
                let batch = fresh[start..<min(fresh.count, start + Self.batchSize)]
                for chain in batch { body += ":\(chain.name) - [0:0]\n" }
                for chain in batch {
                    for rule in chain.rules { body += "-A \(chain.name) \(RestoreRenderer.text(rule))\n" }
                    report.created.append(chain.name.description)
                    report.written.append(chain.name.description)
                }
                batches.append("*\(table.table.rawValue)\n" + body + "COMMIT\n")
            }
            var body = ""
            var declared = rewritten.map(\.name.description) + deleted
            if !current.chains.contains(ChainName.canary.description) {
                declared.append(ChainName.canary.description)
                report.created.append(ChainName.canary.description)
            }
            for name in declared.sorted() { body += ":\(name) - [0:0]\n" }
            for chain in rewritten {
                for rule in chain.rules { body += "-A \(chain.name) \(RestoreRenderer.text(rule))\n" }
                report.written.append(chain.name.description)
            }
            for name in deleted {
                body += "-X \(name)\n"
                report.deleted.append(name)
            }
            for jump in jumps where jump.table == table.table {
                if !(current.rules[jump.chain] ?? []).contains(SaveFormRenderer.text(jump.rule, family: desired.family)) {
                    body += jump.restoreInsertion + "\n"
                    report.insertedJumps.append("\(jump.chain) -> \(jump.rule.target?.jumpedChain?.description ?? "")")
                }
            }
            if !body.isEmpty { final += "*\(table.table.rawValue)\n" + body + "COMMIT\n" }
            report.committed = !body.isEmpty || !fresh.isEmpty
            reports.append(report)
        }
        return (batches + (final.isEmpty ? [] : [final]), reports)
    }

    /// `chains` ordered so every chain comes after the chains among them it jumps to.
    static func dependencyOrder(_ chains: [Chain]) -> [Chain] {
        let byName = Dictionary(uniqueKeysWithValues: chains.map { ($0.name, $0) })
        var depth: [ChainName: Int] = [:]
        func depthOf(_ name: ChainName, _ visiting: Set<ChainName>) -> Int {
            if let known = depth[name] { return known }
            guard let chain = byName[name], !visiting.contains(name) else { return 0 }
            let targets = chain.rules.compactMap { $0.target?.jumpedChain }.filter { byName[$0] != nil && $0 != name }
            let value = 1 + (targets.map { depthOf($0, visiting.union([name])) }.max() ?? -1)
            depth[name] = value
            return value
        }
        return chains.map { ($0, depthOf($0.name, [])) }.sorted { ($0.1, $0.0.name) < ($1.1, $1.0.name) }.map(\.0)
    }

    public func apply(_ desired: Ruleset, changes: RulesetChanges?) throws(IptablesError) -> SyncReport {
        let tool = IptablesTool(mode: mode, family: desired.family)
        var current: [Table: SavedTable] = [:]
        for table in desired.tables {
            if let changes, let snapshot = try partialSnapshot(tool, table.table, changes: changes[table.table]) {
                current[table.table] = snapshot
            } else {
                current[table.table] = try saved(tool, table.table)
            }
        }
        let (inputs, reports) = restoreInputs(desired, changes: changes, saved: current)
        for input in inputs {
            try IptablesTool.check([tool.name("restore"), "--noflush", "-w", "5"], input: Array(input.utf8))
        }
        return SyncReport(family: desired.family, tables: reports)
    }

    public func cleanup(family: IPFamily) throws(IptablesError) -> SyncReport {
        let tool = IptablesTool(mode: mode, family: family)
        var text = ""
        var reports: [TableReport] = []
        for table in [Table.filter, .nat] {
            let current = try saved(tool, table)
            var report = TableReport(table: table)
            var body = ""
            for (chain, rules) in current.rules.sorted(by: { $0.key < $1.key }) where !ChainName.isOwned(chain) {
                for rule in rules {
                    guard let target = (" " + rule).components(separatedBy: " -j ").last?.split(separator: " ").first.map(String.init),
                          ChainName.isOwned(target) else { continue }
                    body += "-D \(chain) \(rule)\n"
                    report.insertedJumps.append("-\(chain) -> \(target)")
                }
            }
            let owned = current.chains.filter(ChainName.isOwned).sorted()
            for name in owned { body += ":\(name) - [0:0]\n" }
            for name in owned {
                body += "-X \(name)\n"
                report.deleted.append(name)
            }
            report.committed = !body.isEmpty
            if report.committed { text += "*\(table.rawValue)\n" + body + "COMMIT\n" }
            reports.append(report)
        }
        if !text.isEmpty {
            try IptablesTool.check([tool.name("restore"), "--noflush", "-w", "5"], input: Array(text.utf8))
        }
        return SyncReport(family: family, tables: reports)
    }

    /// Reads every table with the save tool of this applier's mode: the tables its restores
    /// wrote, which libiptc does not see on an nft host.
    public func installed(family: IPFamily) throws(IptablesError) -> InstalledRules {
        let tool = IptablesTool(mode: mode, family: family)
        var installed = InstalledRules(family: family, reader: .saveTool(tool.name("save")))
        for table in [Table.filter, .nat] {
            let saved = try saved(tool, table)
            var chains: [String: [InstalledRule]] = [:]
            for name in saved.chains where saved.builtins.contains(name) || ChainName.isOwned(name) {
                chains[name] = (saved.rules[name] ?? []).map(InstalledRule.saved)
            }
            installed.tables[table] = chains
        }
        return installed
    }
}
