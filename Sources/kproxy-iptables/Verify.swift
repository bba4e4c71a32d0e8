import ArgumentParser
import Foundation
import IptablesBackend
import NftablesBackend
import ProxyCore
import ServiceModel

/// `kproxy-iptables verify`: check the rules against the model, packet by packet.
struct Verify: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Check by packet flow that the rules send every service's traffic where the model says.",
        discussion: """
            For every service port and every way in — its cluster IP from a pod and from the \
            node, its NodePort from outside, its load balancer IPs from inside and outside their \
            source ranges, its external IPs — traces a packet through the planned rules (or, \
            with --live, the kernel's) and compares the outcomes with the endpoints the model \
            selects, in equal shares, or the REJECT or DROP it calls for. Prints each mismatch \
            and exits with status 1 when there is one; prints the number of flows checked \
            otherwise. With --live it reads the kernel's tables as `diff` does, which needs root.
            """ + HelpSections.text(
                examples: [
                    "kproxy-iptables verify -f k8s/ --config kube-proxy.yaml",
                    "kproxy-iptables verify -f k8s/ --live",
                ],
                statuses: [
                    .success("every flow ends where the model says"),
                    .runtimeFailure("a flow does not, or the kernel could not be read"),
                    .invalidInput,
                ])
    )

    @OptionGroup var input: InputOptions
    @OptionGroup var node: NodeOptions
    @OptionGroup var backend: BackendOptions

    @Flag(help: "Verify the kernel's current tables instead of the planned rules.")
    var live = false

    func run() throws {
        let resolved = try node.resolve(input)
        if node.mode(of: resolved.0) == .nftables {
            let (loaded, settings) = (resolved.0, resolved.1)
            let ruleset = live ? try followableNftablesTable(family: settings.family) : loaded.nftablesRuleset(settings: settings)
            let (mismatches, flows) = NftRulesetVerifier(settings: settings).verify(ruleset, catalog: loaded.catalog)
            return try report(mismatches, flows: flows)
        }
        let plan = try node.plan(resolved: resolved)
        var ruleset = plan.ruleset
        var builtins: [Table: [String: [Rule]]]?
        if live {
            let applier = try backend.applier(family: ruleset.family)
            let live = try reportingKernelErrors { () throws(IptablesError) in try LiveRules.read(family: ruleset.family, applier: applier) }
            (ruleset, builtins) = (live.ruleset, live.builtins)
        }
        let (mismatches, flows) = RulesetVerifier(settings: plan.settings).verify(ruleset, catalog: plan.input.catalog,
                                                                                   builtinRules: builtins)
        try report(mismatches, flows: flows)
    }

    /// Prints the mismatches, or that there were none; exits 1 when there were.
    private func report(_ mismatches: [FlowMismatch], flows: Int) throws {
        for mismatch in mismatches { print(mismatch.description) }
        if mismatches.isEmpty {
            print("\(flows) flows checked; every one ends where the model says.")
        } else {
            printError("kproxy-iptables: \(mismatches.count) of \(flows) flows do not end where the model says")
            throw ExitCode(1)
        }
    }
}
