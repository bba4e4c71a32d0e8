import ArgumentParser
import Conntrack
import Foundation
import IptablesBackend
import Logging
import ProxyRuntime
import ServiceModel

/// `kproxy-iptables sync`: plan the node's rules and apply them (or, with `--dry-run`, print them).
struct Sync: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Plan the node's iptables rules from the manifests and apply them.",
        discussion: """
            Plans the rules kube-proxy's iptables mode would write for one node: every Service \
            port's capture rules and KUBE-SVC/SVL/EXT/FW/SEP chains, the masquerade chains and \
            the filter chains, for one IP family, and applies them: table by table (filter, then \
            nat), each in one atomic commit under the xtables lock, touching only our chains and \
            our jumps from the built-in chains. Chains whose rules are already right are left \
            alone; when nothing differs, nothing is committed.

            With --dry-run the full iptables-restore text is printed to standard output instead \
            (filter, then nat), ready for `iptables-restore --test`. Services are written sorted \
            by namespace, name and port, so the same input always gives the same bytes.

            With --watch it keeps running: when an input file changes it plans again the \
            services that changed and applies only the chains that changed (at most once per \
            --min-sync-period), and every --sync-period it compares every chain with the \
            kernel and repairs any drift. Input that becomes invalid is reported and the rules \
            last applied stay; a changed configuration stops it (exit status 1), as kube-proxy \
            stops, since the planner's settings come from the configuration at start.

            The node is the Node object named by --hostname-override, else by the \
            configuration's hostnameOverride, else by this machine's hostname. --node-ip gives \
            its IPs when the manifests hold no such Node (or overrides the Node's).

            \(HelpSections.privileges) --dry-run needs neither.
            """ + HelpSections.text(
                examples: [
                    "kproxy-iptables sync -f k8s/ --config kube-proxy.yaml",
                    "kproxy-iptables sync -f k8s/ --dry-run | iptables-restore --test",
                    "kproxy-iptables sync -f k8s/ --watch --verbose",
                ],
                statuses: [
                    .success("the rules were applied (or printed)"),
                    .runtimeFailure("the kernel refused: each table is as it was or wholly updated"),
                    .invalidInput,
                ])
    )

    @OptionGroup var input: InputOptions
    @OptionGroup var node: NodeOptions

    @Flag(help: "Print the iptables-restore text instead of applying it.")
    var dryRun = false

    @OptionGroup var backend: BackendOptions
    @OptionGroup var conntrack: ConntrackOptions

    @Flag(name: .shortAndLong, help: "Log every chain written or deleted.")
    var verbose = false

    @Flag(help: "Keep running: apply again whenever an input file changes.")
    var watch = false

    @Option(help: ArgumentHelp("With --watch: the shortest time between two syncs, in seconds (default: the configuration's minSyncPeriod).",
                               valueName: "seconds"))
    var minSyncPeriod: Double?

    @Option(help: ArgumentHelp("With --watch: how often to compare every chain with the kernel, in seconds (default: the configuration's syncPeriod).",
                               valueName: "seconds"))
    var syncPeriod: Double?

    func validate() throws {
        if dryRun && watch { throw ValidationError("--dry-run and --watch cannot be used together.") }
        if let minSyncPeriod, minSyncPeriod < 0 { throw ValidationError("--min-sync-period must not be negative.") }
        if let syncPeriod, syncPeriod <= 0 { throw ValidationError("--sync-period must be positive.") }
    }

    func run() async throws {
        let resolved = try node.resolve(input)
        if watch { return try await runWatching(mode: node.mode(of: resolved.0)) }
        if node.mode(of: resolved.0) == .nftables { return try syncNftables(resolved.0, settings: resolved.1) }
        var plan = try node.plan(resolved: resolved)
        // A dry run prints rules; what it found of the host only when asked.
        if !dryRun || verbose {
            for finding in plan.hostFindings { printError("kproxy-iptables: host: \(finding)") }
        }
        if dryRun {
            // Written as it is rendered: the text of a large cluster is tens of megabytes.
            var renderer = RestoreRenderer()
            renderer.render(plan.ruleset) { chunk in StandardStream.output.write(bytes: chunk) }
            return
        }
        // What conntrack cleanup needs of the model, before the model goes.
        let staleFlows = StaleFlowFilter(plan.input.catalog.servicePorts, family: plan.settings.family,
                                         skipProxyModeLoadBalancerIPs: plan.settings.skipProxyModeLoadBalancerIPs)
        // Only the ruleset is needed from here on: let the model go, and give its pages back
        // to the system, so what applying allocates (the report of a hundred thousand chains,
        // libiptc's copy of the table when it runs in this process) starts from the plan's
        // size.
        plan.input.manifests = Manifests()
        plan.input.catalog = ServiceCatalog(services: [], endpointSlices: [])
        ProcessHeap.releaseFreedMemory()
        if plan.settings.localhostNodePorts {
            printError("kproxy-iptables: host: " + (try reportingKernelErrors { () throws(IptablesError) in try RouteLocalnet.ensure() }))
        }
        let applier = try backend.applier(family: plan.ruleset.family)
        let report = try reportingKernelErrors { () throws(IptablesError) in try applier.apply(plan.ruleset, changes: nil) }
        log(report, verbose: verbose)
        // As kube-proxy does when it starts in iptables mode: both modes' rules at once would
        // each act on every packet.
        try removeNftablesModeTable(family: plan.ruleset.family)
        try conntrack.clean(staleFlows, verbose: verbose)
    }

    /// `--watch`: a runtime following the input files; its first sync is a full one.
    private func runWatching(mode: KubeProxyConfiguration.ProxyMode) async throws {
        let (loaded, settings, _) = try node.resolve(input)
        var options = node.runtimeOptions(for: loaded)
        options.ipFamily = settings.family
        options.configuresHost = true
        options.cleansConntrack = conntrack.conntrackCleanup
        if let minSyncPeriod { options.minSyncPeriod = .milliseconds(Int(minSyncPeriod * 1000)) }
        if let syncPeriod { options.syncPeriod = .milliseconds(Int(syncPeriod * 1000)) }
        let logger = commandLogger(verbose: verbose)
        let runtime = ProxyRuntime(options: options, rules: try backend.proxyRules(mode: mode, family: settings.family),
                                   metrics: ProxyMetrics(family: settings.family), logger: logger)
        let source = FileChangeSource(files: input.files, configPath: input.config, hostnameOverride: node.hostnameOverride,
                                      fallbackNodeName: NodeOptions.hostname(), initial: loaded, logger: logger)
        do {
            try await runtime.run(source: source)
        } catch let error as ProxyRuntimeError {
            printError("kproxy-iptables: \(error)")
            throw ExitCode(error.code == .nodeUnknown ? 2 : 1)
        }
    }
}

/// Logs what a sync did: one line, and with `verbose` one line per chain.
func log(_ report: SyncReport, verbose: Bool) {
    printError("kproxy-iptables: \(report)")
    guard verbose else { return }
    for table in report.tables {
        for chain in table.written { printError("kproxy-iptables:   \(table.table) write \(chain)") }
        for chain in table.deleted { printError("kproxy-iptables:   \(table.table) delete \(chain)") }
        for jump in table.insertedJumps { printError("kproxy-iptables:   \(table.table) insert jump \(jump)") }
    }
}
