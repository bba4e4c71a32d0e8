import ArgumentParser
import IptablesBackend
import NftablesBackend
import ProxyCore
import ProxyRuntime
import ServiceModel

extension Sync {
    /// `sync` in nftables mode: plans kube-proxy's nftables table and prints the full-sync
    /// transaction (`--dry-run`, ready for `nft -c -f -`) or applies it as netlink batches
    /// (one transaction; a table being created in parts of whole ports).
    func syncNftables(_ loaded: LoadedInput, settings: ProxySettings) throws {
        if dryRun {
            let ruleset = loaded.nftablesRuleset(settings: settings)
            let transaction = NftTransaction.fullSync(ruleset, installed: NftInstalledNames(), recreatingBaseChains: true)
            StandardStream.output.write(bytes: Array(transaction.text.utf8))
            return
        }
        let report: NftSyncReport
        do throws(NftablesError) {
            var syncer = NftTableSyncer()
            report = try syncer.fullSync(loaded.nftablesPlanner(settings: settings).state(loaded.catalog))
        } catch {
            throw exitReporting(error)
        }
        printError("kproxy-iptables: \(report)")
        for note in report.notes { printError("kproxy-iptables: \(note)") }
        if verbose {
            for chain in report.flushedStaleChains { printError("kproxy-iptables:   flush stale \(chain)") }
            for chain in report.deletedChains { printError("kproxy-iptables:   delete \(chain)") }
            for chain in report.keptStaleChains { printError("kproxy-iptables:   keep stale \(chain) (still referenced)") }
        }
        try backend.removeIptablesModeRules(family: settings.family)
    }
}
