import Foundation
import IptablesBackend
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
struct ApplyBenchmark {
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
        IptablesTool.executablePath(tool) != nil
    }

    func measure(runs: Int) throws -> Result {
        let applier = LibiptcApplier(lockPath: lockPath, helperCommand: LibiptcHelperCommand.commandLine)
        var result = Result()
        for run in 1...runs {
            benchProgress("apply run \(run) of \(runs): libiptc")
            try measureLibiptc(applier, into: &result.libiptc)
            if Self.isInstalled("iptables-legacy-restore") {
                benchProgress("apply run \(run) of \(runs): iptables-legacy-restore")
                try measureRestore(tool: "iptables-legacy-restore", timeout: nil, into: &result.legacy)
            } else {
                result.legacy.note = "iptables-legacy-restore is not installed"
            }
            // nft is measured once: at scale one attempt can take as long as the timeout.
            if run == 1 {
                if Self.isInstalled("iptables-nft-restore") {
                    benchProgress("apply run \(run) of \(runs): iptables-nft-restore (gives up after \(nftTimeout))")
                    try measureRestore(tool: "iptables-nft-restore", timeout: nftTimeout, into: &result.nft)
                } else {
                    result.nft.note = "iptables-nft-restore is not installed"
                }
            }
        }
        return result
    }

    private func measureLibiptc(_ applier: LibiptcApplier, into measurements: inout Measurements) throws {
        let (full, changed, changes) = (self.full, self.changed, self.changes)
        let figures = try NetworkNamespace.with(prefix: "kpx-bench") { namespace in
            try namespace.inside { () throws -> (Double, Double, Double, Double, Double, Double) in
                let clock = ContinuousClock()
                var fullReport: SyncReport?
                let fullTime = try clock.measure { fullReport = try applier.apply(full, changes: nil) }
                let peak = Double(fullReport?.tables.compactMap(\.applierPeakResidentKilobytes).max() ?? 0) / 1024
                let resyncTime = try clock.measure { _ = try applier.apply(full, changes: nil) }
                var report: SyncReport?
                let deltaTime = try clock.measure { report = try applier.apply(changed, changes: changes) }
                let userSpace = deltaTime - (report?.kernelDuration ?? .zero)
                return (fullTime.milliseconds, resyncTime.milliseconds, deltaTime.milliseconds,
                        userSpace.milliseconds, peak, (fullReport?.kernelDuration ?? .zero).milliseconds)
            }
        }
        measurements.full.append(figures.0)
        measurements.resync.append(figures.1)
        measurements.delta.append(figures.2)
        measurements.deltaUserSpace.append(figures.3)
        measurements.peakMegabytes = max(measurements.peakMegabytes ?? 0, figures.4)
        measurements.fullKernel.append(figures.5)
    }

    private func measureRestore(tool: String, timeout: Duration?, into measurements: inout Measurements) throws {
        try NetworkNamespace.with(prefix: "kpx-bench") { namespace in
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
            if let delta = try restore(deltaText, "delta") { measurements.delta.append(delta) }
        }
    }
}
