import Foundation
import IptablesBackend
import ProxyCore
import ServiceModel

/// The peak memory of a real full sync of the generated cluster: this program run again as
/// a child (`sync --dry-run`, and for each mode measured a sync into a throwaway namespace),
/// its resident memory sampled while it runs. The bench process itself holds more (every
/// plan and text it compares), so its own peak is not a sync's.
struct SyncMemory {
    var clusterPath: String

    struct Result {
        var dryRunMegabytes: Double?
        var libiptcMegabytes: Double?
        /// A sync in nftables mode into a throwaway namespace.
        var nftablesMegabytes: Double?
    }

    /// - Parameter modes: the modes whose real sync is measured (none without `--apply`).
    func measure(modes: [KubeProxyConfiguration.ProxyMode], lockPath: String) throws -> Result {
        let configuration = NSTemporaryDirectory() + "kproxy-bench-\(getpid())-proxy.yaml"
        let text = """
            apiVersion: kubeproxy.config.k8s.io/v1alpha1
            kind: KubeProxyConfiguration
            clusterCIDR: \(SyntheticCluster.clusterCIDR)
            hostnameOverride: \(SyntheticCluster.nodeName)

            """
        guard FileManager.default.createFile(atPath: configuration, contents: Data(text.utf8)) else {
            throw BenchError("cannot write \(configuration)")
        }
        defer { try? FileManager.default.removeItem(atPath: configuration) }
        let sync = [LibiptcHelperCommand.commandLine[0], "sync", "-f", clusterPath, "--config", configuration]
        var result = Result()
        let dryRun = try IptablesTool.run(sync + ["--dry-run"])
        guard dryRun.status == 0 else { throw BenchError("sync --dry-run failed: \(dryRun.stderr)") }
        result.dryRunMegabytes = Double(dryRun.peakResidentKilobytes) / 1024
        if modes.contains(.iptables) {
            try NetworkNamespace.with(prefix: "kpx-bench") { namespace in
                let synced = try namespace.execute(["env", "XTABLES_LOCKFILE=\(lockPath)"] + sync + ["--backend", "libiptc"])
                guard synced.status == 0 else { throw BenchError("sync failed: \(synced.stderr)") }
                result.libiptcMegabytes = Double(synced.peakResidentKilobytes) / 1024
            }
        }
        if modes.contains(.nftables) {
            try NetworkNamespace.with(prefix: "kpx-bench") { namespace in
                let synced = try namespace.execute(["env", "XTABLES_LOCKFILE=\(lockPath)"] + sync
                                                   + ["--backend", "libiptc", "--proxy-mode", "nftables"])
                guard synced.status == 0 else { throw BenchError("sync --proxy-mode nftables failed: \(synced.stderr)") }
                result.nftablesMegabytes = Double(synced.peakResidentKilobytes) / 1024
            }
        }
        return result
    }
}
