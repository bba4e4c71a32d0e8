import ArgumentParser
import NftablesBackend
import ProxyCore
import ProxyRuntime
import ServiceModel

extension Sync {
    /// `sync` in nftables mode: plans kube-proxy's nftables table and prints the full-sync
    /// transaction (`--dry-run`, ready for `nft -c -f -`) or applies it through libnftables
    /// as one transaction.
    func syncNftables(_ loaded: LoadedInput, settings: ProxySettings) throws {
        let planner = NftablesPlanner(settings: settings, serviceCIDRs: loaded.manifests.serviceCIDRs.flatMap(\.cidrs))
        let ruleset = planner.plan(loaded.catalog)
        if dryRun {
            let transaction = NftTransaction.fullSync(ruleset, installed: NftInstalledNames(), recreatingBaseChains: true)
            StandardStream.output.write(bytes: Array(transaction.text.utf8))
            return
        }
        let report: NftSyncReport
        do throws(NftablesError) {
            report = try NftablesApplier().fullSync(ruleset)
        } catch {
            printError("kproxy-iptables: \(error)" + (error.isPermissionDenied ? " — run as root (nftables needs CAP_NET_ADMIN)" : ""))
            throw ExitCode(1)
        }
        printError("kproxy-iptables: \(report)")
        for note in report.notes { printError("kproxy-iptables: \(note)") }
        if verbose {
            for chain in report.flushedStaleChains { printError("kproxy-iptables:   flush stale \(chain)") }
            for chain in report.deletedChains { printError("kproxy-iptables:   delete \(chain)") }
        }
    }
}
