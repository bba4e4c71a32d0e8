import Foundation
import IptablesBackend
import ProxyCore
import ServiceModel
#if canImport(Glibc)
import Glibc
#endif

/// Applies one planned cluster, and then a one-endpoint change, in throwaway network
/// namespaces through each way there is: libiptc (our applier, in its helper process as
/// `sync` runs it), `iptables-legacy-restore`
/// and `iptables-nft-restore` of our restore text. Every run makes fresh namespaces and
/// deletes them; the three ways alternate within a run, so their ratios hold on a busy
/// machine.
///
/// After the full apply and the resync, each run applies the change and takes it back
/// ``deltaRounds`` times: a node applies change after change to a table it has replaced
/// many times, and the first change after an install is not typical of that.
struct ApplyBenchmark {
    static let deltaRounds = 3

    /// The full plan, and the plan after the change with the chains that differ.
    var full: Ruleset
    var changed: Ruleset
    var changes: RulesetChanges
    /// Our restore text of `full`, and kube-proxy's partial-sync input for the change.
    var fullText: [UInt8]
    var deltaText: [UInt8]
    /// How long `iptables-nft-restore` may take on the full text before it is given up.
    var nftTimeout: Duration
    /// The xtables lock file to use (the restore tools read `XTABLES_LOCKFILE`).
    var lockPath: String

    /// One way of applying, its times per run (milliseconds) and its peak memory.
    struct Measurements {
        var full: [Double] = []
        /// For libiptc: the part of each full apply spent in the kernel's table read and
        /// replace (libiptc's init and commit).
        var fullKernel: [Double] = []
        /// The full apply again, over the installed rules (a periodic full sync).
        var resync: [Double] = []
        /// Every application of the change and of its reversal.
        var delta: [Double] = []
        /// For libiptc: the part of each delta apply spent outside the kernel's table read
        /// and replace.
        var deltaUserSpace: [Double] = []
        /// Peak resident memory during the full apply, MiB: the child's (the restore tool,
        /// or libiptc's helper).
        var peakMegabytes: Double?
        /// Why a figure is missing, if one is.
        var note: String?
    }

    struct Result {
        var libiptc = Measurements()
        var legacy = Measurements()
        var nft = Measurements()
    }

    /// Why `--apply` cannot run here, or `nil` when it can.
    static var unavailableReason: String? {
        if geteuid() != 0 { return "--apply needs root: it creates network namespaces" }
        if !isInstalled("ip") { return "--apply needs `ip` (apt install iproute2)" }
        return nil
    }

    static func isInstalled(_ tool: String) -> Bool {
        ChildProcess.executablePath(tool) != nil
    }

    /// The changes that take the change back, and their restore text.
    private var reversal: (changes: RulesetChanges, text: [UInt8]) {
        let back = full.diff(from: changed)
        var renderer = RestoreRenderer()
        renderer.render(full, changes: back)
        return (back, renderer.bytes)
    }

    /// The jumps from the built-in chains into ours, with the chains they jump to, as
    /// restore input. kube-proxy inserts them before its first restore; the restore tools get
    /// them first, untimed, so every way applies to the same table. (The kernel checks the
    /// chains reachable from the built-in chains at every replace: a table without the
    /// jumps is cheaper to replace than the one a node holds.)
    private var jumpsText: [UInt8] {
        let jumps = BuiltinJump.needed(by: full)
        var text = ""
        for table in Table.allCases {
            let inTable = jumps.filter { $0.table == table }
            guard !inTable.isEmpty else { continue }
            text += "*\(table.rawValue)\n"
            for target in Set(inTable.compactMap { $0.rule.target?.jumpedChain?.description }).sorted() {
                text += ":\(target) - [0:0]\n"
            }
            for jump in inTable { text += jump.restoreInsertion + "\n" }
            text += "COMMIT\n"
        }
        return Array(text.utf8)
    }

    func measure(runs: Int) throws -> Result {
        let reversal = self.reversal
        let jumpsText = self.jumpsText
        let applier = LibiptcApplier(lockPath: lockPath, helperCommand: LibiptcHelperCommand.commandLine)
        var result = Result()
        for run in 1...runs {
            benchProgress("apply run \(run) of \(runs): libiptc")
            try measureLibiptc(applier, reversal: reversal.changes, into: &result.libiptc)
            if Self.isInstalled("iptables-legacy-restore") {
                benchProgress("apply run \(run) of \(runs): iptables-legacy-restore")
                try measureRestore(tool: "iptables-legacy-restore", timeout: nil, jumps: jumpsText, reversal: reversal.text,
                                   into: &result.legacy)
            } else {
                result.legacy.note = "iptables-legacy-restore is not installed"
            }
            // nft is measured once: at scale one attempt can take as long as the timeout.
            if run == 1 {
                if Self.isInstalled("iptables-nft-restore") {
                    benchProgress("apply run \(run) of \(runs): iptables-nft-restore (gives up after \(nftTimeout))")
                    try measureRestore(tool: "iptables-nft-restore", timeout: nftTimeout, jumps: jumpsText,
                                       reversal: reversal.text, into: &result.nft)
                } else {
                    result.nft.note = "iptables-nft-restore is not installed"
                }
            }
        }
        return result
    }

    private func measureLibiptc(_ applier: LibiptcApplier, reversal: RulesetChanges,
                                into measurements: inout Measurements) throws {
        let (full, changed, changes) = (self.full, self.changed, self.changes)
        let run = try NetworkNamespace.with(prefix: "kpx-bench") { namespace in
            try namespace.inside { () throws -> Measurements in
                let clock = ContinuousClock()
                var run = Measurements()
                func timed(_ ruleset: Ruleset, _ changes: RulesetChanges?) throws -> (Double, SyncReport) {
                    var report: SyncReport?
                    let elapsed = try clock.measure { report = try applier.apply(ruleset, changes: changes) }
                    return (elapsed.milliseconds, report!)
                }
                let (fullTime, fullReport) = try timed(full, nil)
                run.full = [fullTime]
                run.fullKernel = [fullReport.kernelDuration.milliseconds]
                run.peakMegabytes = Double(fullReport.tables.compactMap(\.applierPeakResidentKilobytes).max() ?? 0) / 1024
                run.resync = [try timed(full, nil).0]
                for _ in 0..<Self.deltaRounds {
                    for (ruleset, changes) in [(changed, changes), (full, reversal)] {
                        let (deltaTime, report) = try timed(ruleset, changes)
                        run.delta.append(deltaTime)
                        run.deltaUserSpace.append(deltaTime - report.kernelDuration.milliseconds)
                    }
                }
                return run
            }
        }
        measurements.full += run.full
        measurements.fullKernel += run.fullKernel
        measurements.resync += run.resync
        measurements.delta += run.delta
        measurements.deltaUserSpace += run.deltaUserSpace
        measurements.peakMegabytes = max(measurements.peakMegabytes ?? 0, run.peakMegabytes ?? 0)
    }

    private func measureRestore(tool: String, timeout: Duration?, jumps: [UInt8], reversal: [UInt8],
                                into measurements: inout Measurements) throws {
        try NetworkNamespace.with(prefix: "kpx-bench") { namespace in
            let installed = try namespace.execute([tool, "--noflush"], input: jumps)
            guard installed.status == 0 else {
                throw BenchError("\(tool) of the built-in chains' jumps failed (status \(installed.status)): \(installed.stderr)")
            }
            let clock = ContinuousClock()
            func restore(_ text: [UInt8], _ what: String) throws -> Double? {
                var output: IptablesTool.Output?
                let elapsed = try clock.measure {
                    output = try namespace.execute([tool, "--noflush"], input: text, timeout: timeout)
                }
                guard let output else { return nil }
                if output.timedOut {
                    measurements.note = "\(tool) \(what) gave up after \(timeout.map { "\($0)" } ?? "")"
                    return nil
                }
                guard output.status == 0 else {
                    throw BenchError("\(tool) \(what) failed (status \(output.status)): \(output.stderr)")
                }
                if what == "full" {
                    measurements.peakMegabytes = max(measurements.peakMegabytes ?? 0,
                                                     Double(output.peakResidentKilobytes) / 1024)
                }
                return elapsed.milliseconds
            }
            guard let fullTime = try restore(fullText, "full") else { return }
            measurements.full.append(fullTime)
            if let resync = try restore(fullText, "resync") { measurements.resync.append(resync) }
            for _ in 0..<Self.deltaRounds {
                for (text, what) in [(deltaText, "delta"), (reversal, "reversed delta")] {
                    guard let delta = try restore(text, what) else { return }
                    measurements.delta.append(delta)
                }
            }
        }
    }
}
