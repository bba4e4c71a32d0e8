import ArgumentParser
import Foundation
import IptablesBackend
import ServiceModel

/// `sync --watch`: re-plans when an input file changes and applies only the changed chains;
/// a full comparison with the kernel every `fullInterval` repairs drift. Invalid input is
/// reported and skipped: the rules last applied stay.
struct SyncWatcher {
    var input: InputOptions
    var node: NodeOptions
    var applier: any RulesetApplier
    var applied: Ruleset
    var verbose: Bool
    var minInterval: Duration
    var fullInterval: Duration

    /// Modification times and sizes of every input file (directories expanded).
    func fingerprint() -> [String: String] {
        var result: [String: String] = [:]
        let fileManager = FileManager.default
        var paths = input.files + (input.config.map { [$0] } ?? [])
        var index = 0
        while index < paths.count {
            let path = paths[index]
            index += 1
            guard let attributes = try? fileManager.attributesOfItem(atPath: path) else {
                result[path] = "missing"
                continue
            }
            if attributes[.type] as? FileAttributeType == .typeDirectory {
                let children = (try? fileManager.contentsOfDirectory(atPath: path)) ?? []
                paths += children.sorted().map { path + "/" + $0 }
                result[path] = "directory:" + children.sorted().joined(separator: ",")
            } else {
                let date = (attributes[.modificationDate] as? Date)?.timeIntervalSince1970 ?? 0
                result[path] = "\(date):\(attributes[.size] ?? 0)"
            }
        }
        return result
    }

    mutating func run() throws {
        let clock = ContinuousClock()
        var lastSync = clock.now
        var lastFull = clock.now
        var seen = fingerprint()
        printError("kproxy-iptables: watching \(seen.count) input files")
        while true {
            Thread.sleep(forTimeInterval: 0.2)
            let now = clock.now
            let current = fingerprint()
            let changed = current != seen
            let fullDue = now - lastFull >= fullInterval
            guard changed || fullDue else { continue }
            if now - lastSync < minInterval { continue }
            seen = current
            lastSync = now
            let desired: Ruleset
            do {
                desired = try node.plan(input).ruleset
            } catch let exit as ExitCode where exit.rawValue == 2 {
                printError("kproxy-iptables: the input is invalid; the rules last applied stay")
                continue
            }
            let changes: RulesetChanges? = fullDue ? nil : desired.diff(from: applied)
            if let changes, changes.isEmpty { continue }
            do {
                let report = try applier.apply(desired, changes: changes)
                log(report, verbose: verbose)
                applied = desired
                if fullDue { lastFull = now }
            } catch {
                printError("kproxy-iptables: \(error); the next sync compares every chain")
                lastFull = .now - fullInterval
            }
        }
    }
}
