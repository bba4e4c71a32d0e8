import Foundation
import ServiceModel

/// Applies rulesets with `iptables-restore --noflush` (nft hosts: `iptables-nft-restore`),
/// sending only the chains to write: each is declared (which flushes or creates it) and
/// filled, stale chains are flushed and deleted, and missing jumps are inserted, all in one
/// restore input that commits each table as a whole. Other chains and other tools' rules are
/// never named, so `--noflush` leaves them alone.
public struct RestoreApplier: RulesetApplier {
    public var mode: IptablesTool.Mode

    public init(mode: IptablesTool.Mode) {
        self.mode = mode
    }

    /// What the tables hold now, as `iptables-save` prints it.
    struct SavedTable {
        var chains: Set<String> = []
        var builtinRules: [String: [String]] = [:]

        init(_ text: String) {
            for line in text.split(separator: "\n") {
                if line.hasPrefix(":") {
                    chains.insert(String(line.dropFirst().prefix { $0 != " " }))
                } else if line.hasPrefix("-A ") {
                    let rest = line.dropFirst(3)
                    let chain = String(rest.prefix { $0 != " " })
                    builtinRules[chain, default: []].append(String(rest.dropFirst(chain.count + 1)))
                }
            }
        }
    }

    func saved(_ tool: IptablesTool, _ table: Table) throws(IptablesError) -> SavedTable {
        SavedTable(try IptablesTool.check([tool.name("save"), "-t", table.rawValue]).stdout)
    }

    /// The restore input for `desired`: the full text when `changes` is nil or a table's
    /// canary is gone, otherwise only the changed chains.
    func restoreInput(_ desired: Ruleset, changes: RulesetChanges?, saved: [Table: SavedTable]) -> (text: String, reports: [TableReport]) {
        var text = ""
        var reports: [TableReport] = []
        let jumps = BuiltinJump.needed(by: desired)
        for table in desired.tables.sorted(by: { $0.table.applyOrder < $1.table.applyOrder }) {
            let current = saved[table.table] ?? SavedTable("")
            var report = TableReport(table: table.table)
            let full = changes == nil || !current.chains.contains(ChainName.canary.description)
            let written: [Chain]
            let deleted: [String]
            if full {
                written = table.chains
                let wanted = Set(table.chains.map(\.name.description))
                deleted = current.chains.filter { ChainName.isServiceChain($0) && !wanted.contains($0) }.sorted()
            } else {
                let names = Set(changes![table.table].written)
                written = table.chains.filter { names.contains($0.name) }
                deleted = changes![table.table].deleted.map(\.description).filter(current.chains.contains)
            }
            var body = ""
            var declared: [String] = written.map(\.name.description) + deleted
            if !current.chains.contains(ChainName.canary.description) { declared.append(ChainName.canary.description) }
            for name in declared.sorted() {
                body += ":\(name) - [0:0]\n"
                if !current.chains.contains(name) && !deleted.contains(name) { report.created.append(name) }
            }
            for chain in written {
                let name = chain.name.description
                for rule in chain.rules { body += "-A \(name) \(RestoreRenderer.text(rule))\n" }
                report.written.append(name)
            }
            for name in deleted {
                body += "-X \(name)\n"
                report.deleted.append(name)
            }
            for jump in jumps where jump.table == table.table {
                let rule = RestoreRenderer.text(jump.rule)
                if !(current.builtinRules[jump.chain] ?? []).contains(rule) {
                    body += "-I \(jump.chain) 1 \(rule)\n"
                    report.insertedJumps.append("\(jump.chain) -> \(jump.rule.target?.jumpedChain?.description ?? "")")
                }
            }
            report.committed = !body.isEmpty
            report.attempts = 1
            if report.committed { text += "*\(table.table.rawValue)\n" + body + "COMMIT\n" }
            reports.append(report)
        }
        return (text, reports)
    }

    public func apply(_ desired: Ruleset, changes: RulesetChanges?) throws(IptablesError) -> SyncReport {
        let tool = IptablesTool(mode: mode, family: desired.family)
        var current: [Table: SavedTable] = [:]
        for table in desired.tables { current[table.table] = try saved(tool, table.table) }
        let (text, reports) = restoreInput(desired, changes: changes, saved: current)
        if !text.isEmpty {
            try IptablesTool.check([tool.name("restore"), "--noflush", "-w", "5"], input: Array(text.utf8))
        }
        return SyncReport(family: desired.family, tables: reports, full: changes == nil)
    }

    public func cleanup(family: IPFamily) throws(IptablesError) -> SyncReport {
        let tool = IptablesTool(mode: mode, family: family)
        var text = ""
        var reports: [TableReport] = []
        for table in [Table.filter, .nat] {
            let current = try saved(tool, table)
            var report = TableReport(table: table)
            var body = ""
            for (chain, rules) in current.builtinRules.sorted(by: { $0.key < $1.key }) where !ChainName.isOwned(chain) {
                for rule in rules {
                    guard let target = rule.components(separatedBy: " -j ").last, ChainName.isOwned(target) else { continue }
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
        return SyncReport(family: family, tables: reports, full: true)
    }

    public func installed(family: IPFamily) throws(IptablesError) -> InstalledRules {
        throw .tool(command: IptablesTool(mode: mode, family: family).name("save"), status: 1,
                    output: "reading rules back byte for byte needs the libiptc backend (a legacy iptables host)")
    }
}
