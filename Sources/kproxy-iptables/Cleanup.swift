import ArgumentParser
import IptablesBackend
import ServiceModel

/// `kproxy-iptables cleanup`: remove everything we own from the kernel.
struct Cleanup: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Remove our chains, jumps and nftables tables from the kernel.",
        discussion: """
            Deletes every chain kproxy-iptables (or kube-proxy's iptables mode) owns — the KUBE-* \
            chains it writes, the per-service KUBE-SVC/SVL/EXT/FW/SEP chains and the canary — and \
            the rules in the built-in chains that jump to them, in the filter and nat tables; and \
            the `kube-proxy` nftables table that nftables mode writes (as kube-proxy's own \
            cleanup does, whichever mode it ran in). Both IP families unless --ip-family picks \
            one. Other chains, rules and tables are not touched.

            \(HelpSections.privileges)
            """ + HelpSections.text(
                examples: [
                    "kproxy-iptables cleanup",
                    "kproxy-iptables cleanup --ip-family ipv6 --backend libiptc",
                ],
                statuses: [
                    .success("every chain, jump and table of ours is gone (or there was none)"),
                    .runtimeFailure("the kernel refused: each table is as it was or wholly cleaned"),
                ])
    )

    @Option(help: ArgumentHelp("Clean only this family: ipv4 or ipv6.", valueName: "family"))
    var ipFamily: IPFamily?

    @OptionGroup var backend: BackendOptions

    func run() throws {
        for family in ipFamily.map({ [$0] }) ?? [.ipv4, .ipv6] {
            let applier = try backend.applier(family: family)
            let report = try reportingKernelErrors { () throws(IptablesError) in try applier.cleanup(family: family) }
            printError("kproxy-iptables: cleanup \(family == .ipv6 ? "ip6tables" : "iptables"): "
                       + report.tables.map { "\($0.table): \($0.deleted.count) chains, \($0.insertedJumps.count) jumps removed" }
                       .joined(separator: "; "))
            try removeNftablesModeTable(family: family)
        }
    }
}
