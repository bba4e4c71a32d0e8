import ArgumentParser
import Foundation
import IptablesBackend
import NftablesBackend
import ServiceModel

/// `kproxy-iptables diff`: what differs between the planned rules and the kernel's.
struct Diff: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show how the kernel's rules differ from the planned ones.",
        discussion: """
            Plans the node's rules as `sync` would and compares them, rule by rule and byte for \
            byte, with what the kernel holds in our chains and in the built-in chains' jumps. \
            Prints nothing when they agree; otherwise one block per chain, like `git diff`: `-` \
            lines are in the kernel only, `+` lines in the plan only. Changes nothing.

            Reads the tables the way `sync` writes them (see --backend): through libiptc on a \
            legacy host, with iptables-nft-save on an nft host. In nftables mode it reads the \
            `kube-proxy` table through libnftables and compares chains, sets and map elements.

            With --exit-code it exits with status 1 when it printed differences, as \
            `git diff --exit-code` does, so a script can tell a node that drifted from one that \
            did not. A failure to read the kernel also exits with 1, but prints nothing on \
            standard output and its reason on standard error.

            \(HelpSections.privileges)
            """ + HelpSections.text(
                examples: [
                    "kproxy-iptables diff -f k8s/ --config kube-proxy.yaml",
                    "kproxy-iptables diff -f k8s/ --exit-code || kproxy-iptables sync -f k8s/",
                ],
                statuses: [
                    .success("the kernel was read (without --exit-code: differing or not)"),
                    .runtimeFailure("differences printed (--exit-code), or the kernel unreadable"),
                    .invalidInput,
                ])
    )

    @OptionGroup var input: InputOptions
    @OptionGroup var node: NodeOptions
    @OptionGroup var backend: BackendOptions

    @Flag(help: "Exit with status 1 when the kernel differs from the plan.")
    var exitCode = false

    func run() throws {
        let resolved = try node.resolve(input)
        if node.mode(of: resolved.0) == .nftables {
            let planned = resolved.0.nftablesRuleset(settings: resolved.1)
            let difference = NftTableDiff(live: try readNftablesTable(family: planned.family), desired: planned)
            var output = StandardStream.output
            output.write(difference.text)
            if exitCode && !difference.isEmpty { throw ExitCode(1) }
            return
        }
        let plan = try node.plan(resolved: resolved)
        let applier = try backend.applier(family: plan.ruleset.family)
        let difference = try reportingKernelErrors { () throws(IptablesError) in
            try KernelDiff(installed: applier.installed(family: plan.ruleset.family), desired: plan.ruleset)
        }
        var output = StandardStream.output
        output.write(difference.text)
        if exitCode && !difference.isEmpty { throw ExitCode(1) }
    }
}
