import ArgumentParser
import Foundation
import IptablesBackend
import ServiceModel

/// `kproxy-iptables bench`: figures on a generated cluster.
struct Bench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Measure reading, planning and applying a generated cluster.",
        discussion: """
            Generates a cluster of SERVICES Services with ENDPOINTS endpoints each (--shape \
            mixed: ClusterIP, NodePort and LoadBalancer services with one to three ports; \
            --shape clusterip: one-port ClusterIP services, kube-proxy's reference cluster), \
            written as `kubectl get -o yaml` prints them, into a temporary file, then \
            measures RUNS times and prints medians:

            decodeMs (reading, decoding and validating every object), apiListDecodeMs \
            (decoding and validating the same number of one-port Services and their \
            EndpointSlices as the API server's JSON lists, what a node agent reads at start), \
            joinMs (joining \
            service ports with their endpoints), planFullMs and renderFullMs (the full \
            ruleset and its iptables-restore text), planIncrementalMs (planning a \
            one-endpoint change with the incremental planner, which plans only that service \
            again), rules and bytes of the full text; nftablesPlanFullMs, nftablesRenderFullMs, \
            nftablesCommands and nftablesBytes, the same cluster planned in nftables mode and its \
            full-sync transaction rendered; rulesPerPacket{Linear,Tree}{First,Middle,Last}, \
            the rules the first packet of a connection from a pod to the first, middle and last \
            service port is checked against with each --service-dispatch (traced); \
            syncDryRunPeakRSSMB, the peak memory of `sync --dry-run` of the cluster run as a \
            child process; and peakRSSMB, the most this process held while reading, planning \
            and rendering (more than a sync holds: it keeps every text it measures).

            With --apply (root only) the plan is applied in throwaway network namespaces, \
            each way in the same run: through libiptc (in its helper process, as sync applies), \
            through iptables-legacy-restore and \
            through iptables-nft-restore (measured once, given up after --nft-timeout) of \
            the restore text. applyFull*Ms is a first apply into empty tables, \
            applyResync*Ms the same apply over the installed rules (a periodic full sync), \
            applyDelta*Ms the one-endpoint change (libiptc and nftables mode: our partial sync; the restore \
            tools: kube-proxy's partial-sync input with --noflush), applied and taken back \
            three times after the resync, the median of all. \
            applyDeltaLibiptcUserSpaceMs is the part of the libiptc delta spent outside the \
            kernel's table read and replace, applyFullLibiptcKernelMs the part of the first \
            libiptc apply spent in them. applyFull*PeakRSSMB is the peak memory of the process \
            that applies the first time: the restore tool, or libiptc's helper. \
            syncLibiptcPeakRSSMB is the peak memory of a real first `sync` through libiptc, run \
            as a child in a throwaway namespace (its helper's is applyFullLibiptcPeakRSSMB). \
            In nftables mode (netlink batches from this process): applyFullNftablesModeMs is the first \
            sync into an empty namespace (applyFullNftablesModeTransactions transactions of whole \
            ports), applyDeltaNftablesModeMs the one-endpoint change synced in part, and \
            syncNftablesModePeakRSSMB the peak memory of a real first `sync --proxy-mode nftables`. \
            --proxy-mode limits --apply to one mode's figures (the other mode's are null); \
            without it both are measured. \
            connectionsPerSecond{Linear,Tree} is the rate of new TCP connections to the last \
            service port through the installed rules, each dispatch in turn, from the node \
            namespace to a server in a pod namespace; connectionsPerSecondNftables{First,Last} \
            the same to the first and the last service port through nftables mode's table. \
            Without --apply those figures are null.

            AGENT FIGURES (--agent, root only): the node agent in this process, against a \
            loopback API server holding the cluster (one-port ClusterIP services), with \
            kube-proxy's default pacing (minSyncPeriod 1 s, syncPeriod 30 s), applying \
            through libiptc's helper into a throwaway namespace. agentInitialSyncMs: from \
            start to the first sync's end (the initial lists, planning and the first \
            apply); agentChange{P50,P99,Max}Ms: CHANGES one-endpoint changes, each made \
            1.1 s after the last was applied, from the change at the API server to the end \
            of the sync that applied it; then CHURN-SECONDS of CHURN-RATE endpoint changes a \
            second: agentChurnChanges, agentChurnSyncs, agentFailedSyncs, and this \
            process's resident memory before (agentRSSStartMB) and after (agentRSSEndMB); \
            this process also holds the API server's copy of the cluster. Then the agent as \
            its own process (`kproxy-iptables agent` in the namespace, the API server \
            listening there): its resident memory after its first sync \
            (agentProcessRSSStartMB), after the same churn again (agentProcessChurnChanges \
            changes; agentProcessRSSEndMB) and at its peak (agentProcessPeakRSSMB).

            CHURN FIGURES (--churn, root only): the sync loop in this process, fed the \
            generated cluster directly (no API server, so this process holds the cluster \
            and the runtime only), with kube-proxy's default pacing, applying through \
            libiptc's helper into a throwaway namespace; then CHURN-SECONDS (default 600) of \
            CHURN-RATE endpoint changes a second, each moving one service's first endpoint to \
            a new address. churnChanges, churnSyncs, churnFailedSyncs; \
            churnChange{P50,P99,Max}Ms, from a change handed to the loop to the end of the \
            sync that put it in the kernel; resident memory after the first sync \
            (churnRSSStartMB), at the end (churnRSSEndMB) and the most sampled each second \
            (churnRSSMaxMB).

            INGRESS FIGURES (--ingress; needs nginx and wrk): `kproxy-iptables ingress` against \
            nginx configured as ingress-nginx configures one Ingress (an upstream of two \
            endpoints with keep-alive connections, its forwarding headers), in the same run: \
            the same backend (one nginx worker answering a short body on two ports), the same \
            certificate, both proxies with one worker per core and no access log. wrk (one \
            thread, --ingress-connections connections, --ingress-seconds each) drives each \
            proxy RUNS times in alternating order, over HTTP/1.1 keep-alive and HTTPS: \
            ingress{HTTP,HTTPS}RequestsPerSecond{Ours,Nginx}, ingress{HTTP,HTTPS}P99Ms{Ours,Nginx} \
            and the proxy's CPU time (user and system, all its processes and threads) a request \
            served, ingress{HTTP,HTTPS}CPUMicrosecondsPerRequest{Ours,Nginx}; medians. Over HTTP \
            a NIO byte relay with no HTTP in it takes its turn too, the floor under any proxy on \
            NIO: ingressHTTP{RequestsPerSecond,P99Ms,CPUMicrosecondsPerRequest}Relay.

            Build with `-c release` for meaningful figures. Progress goes to standard error.
            """ + HelpSections.text(
                examples: [
                    "kproxy-iptables bench --services 10000 --endpoints 10",
                    "kproxy-iptables bench --apply --output json > figures.json",
                    "kproxy-iptables bench --proxy-mode nftables --apply --shape clusterip",
                    "kproxy-iptables bench --ingress --runs 5",
                ],
                statuses: [
                    .success("the figures were printed"),
                    .runtimeFailure("a measurement failed (the reason is on standard error)"),
                ])
    )

    enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
        case table, json
    }

    @Option(help: "Number of Services to generate.")
    var services = 10_000

    @Option(help: "Endpoints per Service.")
    var endpoints = 10

    @Option(help: "mixed (ClusterIP, NodePort and LoadBalancer, one to three ports) or clusterip (one-port ClusterIP services only).")
    var shape: SyntheticCluster.Shape = .mixed

    @Option(help: "How many times to measure; the median is reported.")
    var runs = 3

    @Flag(help: "Also apply the plan in throwaway network namespaces (needs root).")
    var apply = false

    @Option(help: ArgumentHelp("With --apply: measure only this mode (iptables or nftables); both without it.",
                               valueName: "mode"))
    var proxyMode: KubeProxyConfiguration.ProxyMode?

    @Option(help: ArgumentHelp("Give iptables-nft-restore this long for the full ruleset.", valueName: "seconds"))
    var nftTimeout = 300

    @Option(help: "table or json.")
    var output: OutputFormat = .table

    @Flag(help: "Measure the node agent instead (needs root): see AGENT FIGURES above.")
    var agent = false

    @Option(help: ArgumentHelp("With --agent: one-endpoint changes to time, one after another.", valueName: "count"))
    var changes = 100

    @Flag(help: "Measure a churn of endpoint changes through the sync loop instead (needs root): see CHURN FIGURES above.")
    var churn = false

    @Option(help: ArgumentHelp("With --agent or --churn: how long to churn endpoints (default: 60 with --agent, 600 with --churn).",
                               valueName: "seconds"))
    var churnSeconds: Int?

    @Option(help: ArgumentHelp("With --agent or --churn: endpoint changes a second while churning.", valueName: "count"))
    var churnRate = 100

    @Flag(help: "Compare the Ingress proxy with nginx instead: see INGRESS FIGURES above.")
    var ingress = false

    @Option(help: ArgumentHelp("With --ingress: how long each wrk run lasts.", valueName: "seconds"))
    var ingressSeconds = 10

    @Option(help: ArgumentHelp("With --ingress: wrk's open connections.", valueName: "count"))
    var ingressConnections = 64

    @Option(help: ArgumentHelp("Keep the generated YAML at this path.", valueName: "file"))
    var keep: String?

    func validate() throws {
        guard services > 0, endpoints >= 0, runs > 0, nftTimeout > 0 else {
            throw ValidationError("--services, --runs and --nft-timeout must be positive, --endpoints not negative.")
        }
        if [agent, churn, ingress].filter({ $0 }).count > 1 {
            throw ValidationError("--agent, --churn and --ingress cannot be used together.")
        }
        if ingress {
            guard ingressSeconds > 0, ingressConnections > 0 else {
                throw ValidationError("--ingress-seconds and --ingress-connections must be positive.")
            }
            if let reason = IngressBenchmark.unavailableReason { throw ValidationError(reason) }
        }
        if let churnSeconds, churnSeconds <= 0 { throw ValidationError("--churn-seconds must be positive.") }
        if churnRate <= 0 { throw ValidationError("--churn-rate must be positive.") }
        if proxyMode != nil && !apply { throw ValidationError("--proxy-mode needs --apply.") }
        if apply, let reason = ApplyBenchmark.unavailableReason {
            throw ValidationError(reason)
        }
    }

    func run() async throws {
        if agent { return try await runAgent() }
        if ingress { return try runIngress() }
        if churn { return try await runChurn() }
        let path = keep ?? NSTemporaryDirectory() + "kproxy-bench-\(getpid()).yaml"
        guard FileManager.default.createFile(atPath: path, contents: nil),
              let handle = FileHandle(forWritingAtPath: path) else {
            throw BenchError("cannot write \(path)")
        }
        benchProgress("generating \(services) services × \(endpoints) endpoints (\(shape.rawValue)) into \(path)")
        SyntheticCluster(services: services, endpointsPerService: endpoints, shape: shape).write(to: handle)
        try handle.close()
        defer { if keep == nil { try? FileManager.default.removeItem(atPath: path) } }
        let yamlBytes = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0

        let planning = try PlanBenchmark(path: path).measure(runs: runs)
        var figures = BenchFigures()
        figures.add("services", .integer(services))
        figures.add("endpointsPerService", .integer(endpoints))
        figures.add("shape", .text(shape.rawValue))
        figures.add("objects", .integer(planning.objects))
        figures.add("yamlBytes", .integer(yamlBytes))
        figures.add("joinedEndpoints", .integer(planning.joinedEndpoints))
        figures.add("runs", .integer(runs))
        figures.add("decodeMs", median: planning.decode)
        figures.add("joinMs", median: planning.join)
        figures.add("planFullMs", median: planning.plan)
        figures.add("renderFullMs", median: planning.render)
        figures.add("planIncrementalMs", median: planning.incremental)
        figures.add("rules", .integer(planning.rules))
        figures.add("bytes", .integer(planning.bytes))
        benchProgress("decoding the cluster as the API server's ServiceList and EndpointSliceList (JSON)")
        let apiLists = try APIListBenchmark(services: services, endpointsPerService: endpoints).measure(runs: runs)
        figures.add("apiListBytes", .integer(apiLists.bytes))
        figures.add("apiListObjects", .integer(apiLists.objects))
        figures.add("apiListDecodeMs", median: apiLists.milliseconds)

        if let settings = planning.settings {
            benchProgress("planning and rendering the same cluster in nftables mode")
            let nftables = NftablesPlanBenchmark(catalog: planning.catalog, settings: settings).measure(runs: runs)
            figures.add("nftablesPlanFullMs", median: nftables.plan)
            figures.add("nftablesRenderFullMs", median: nftables.render)
            figures.add("nftablesCommands", .integer(nftables.commands))
            figures.add("nftablesBytes", .integer(nftables.bytes))
        }

        var dispatch: DispatchBenchmark.Result?
        if let settings = planning.settings {
            benchProgress("tracing the first, middle and last service, linear and tree dispatch")
            dispatch = DispatchBenchmark(catalog: planning.catalog, settings: settings).measure(linear: planning.full)
        }
        for (position, linear, tree) in dispatch?.rulesPerPacket ?? [] {
            figures.add("rulesPerPacketLinear\(position)", .number(linear))
            figures.add("rulesPerPacketTree\(position)", .number(tree))
        }

        // Our own xtables lock, not the host's: nothing here should wait for, or hold up, the
        // host's iptables users. The restore tools find it through XTABLES_LOCKFILE.
        let lockPath = NSTemporaryDirectory() + "kproxy-bench-\(getpid()).lock"
        defer { unlink(lockPath) }
        if apply { setenv("XTABLES_LOCKFILE", lockPath, 1) }
        let applies = apply ? try measureApplies(planning, dispatch: dispatch, lockPath: lockPath) : AppliedFigures()
        let (applied, nftablesApplied) = (applies.iptables, applies.nftables)
        let (connectionRates, nftablesRates) = (applies.connectionRates, applies.nftablesRates)
        figures.add("applyFullLibiptcMs", median: applied.libiptc.full)
        figures.add("applyFullLegacyRestoreMs", median: applied.legacy.full)
        figures.add("applyFullNftRestoreMs", median: applied.nft.full)
        figures.add("applyFullLibiptcKernelMs", median: applied.libiptc.fullKernel)
        figures.add("applyResyncLibiptcMs", median: applied.libiptc.resync)
        figures.add("applyResyncLegacyRestoreMs", median: applied.legacy.resync)
        figures.add("applyResyncNftRestoreMs", median: applied.nft.resync)
        figures.add("applyDeltaLibiptcMs", median: applied.libiptc.delta)
        figures.add("applyDeltaLegacyRestoreMs", median: applied.legacy.delta)
        figures.add("applyDeltaNftRestoreMs", median: applied.nft.delta)
        figures.add("applyDeltaLibiptcUserSpaceMs", median: applied.libiptc.deltaUserSpace)
        figures.add("applyFullNftablesModeMs", median: nftablesApplied.first)
        figures.add("applyFullNftablesModeTransactions", .integer(nftablesApplied.transactions))
        figures.add("applyDeltaNftablesModeMs", median: nftablesApplied.delta)
        figures.add("applyFullLibiptcPeakRSSMB", .number(applied.libiptc.peakMegabytes))
        figures.add("applyFullLegacyRestorePeakRSSMB", .number(applied.legacy.peakMegabytes))
        figures.add("applyFullNftRestorePeakRSSMB", .number(applied.nft.peakMegabytes))
        benchProgress("measuring the memory of a full sync (sync --dry-run\(apply ? ", and a real sync in each mode measured" : ""))")
        let memory = try SyncMemory(clusterPath: path)
            .measure(modes: apply ? KubeProxyConfiguration.ProxyMode.allCases.filter(measures) : [], lockPath: lockPath)
        figures.add("syncDryRunPeakRSSMB", .number(memory.dryRunMegabytes))
        figures.add("syncLibiptcPeakRSSMB", .number(memory.libiptcMegabytes))
        figures.add("syncNftablesModePeakRSSMB", .number(memory.nftablesMegabytes))
        figures.add("connectionsPerSecondLinear", median: connectionRates[0])
        figures.add("connectionsPerSecondTree", median: connectionRates[1])
        figures.add("connectionsPerSecondNftablesFirst", median: nftablesRates[0])
        figures.add("connectionsPerSecondNftablesLast", median: nftablesRates[1])
        figures.add("peakRSSMB", .number(planning.peakMegabytes))
        print(output == .json ? figures.json : figures.table)
    }
}

extension Bench {
    /// What `--apply` measured: each mode's applies and connection rates (empty where a
    /// mode was not measured).
    struct AppliedFigures {
        var iptables = ApplyBenchmark.Result()
        var nftables = NftablesApplyBenchmark.Result()
        var connectionRates: [[Double]] = [[], []]
        var nftablesRates: [[Double]] = [[], []]
    }

    /// The applies into throwaway namespaces, and connections through what they installed.
    private func measureApplies(_ planning: PlanBenchmark.Result, dispatch: DispatchBenchmark.Result?,
                                lockPath: String) throws -> AppliedFigures {
        var figures = AppliedFigures()
        if measures(.iptables) {
            let benchmark = ApplyBenchmark(full: planning.full, changed: planning.changed, changes: planning.changes,
                                           fullText: planning.fullText, deltaText: planning.deltaText,
                                           nftTimeout: .seconds(nftTimeout), lockPath: lockPath)
            figures.iptables = try benchmark.measure(runs: runs)
            for note in [figures.iptables.libiptc.note, figures.iptables.legacy.note, figures.iptables.nft.note].compactMap({ $0 }) {
                benchProgress(note)
            }
        }
        if measures(.nftables), let settings = planning.settings,
           let benchmark = NftablesApplyBenchmark(catalog: planning.catalog, settings: settings) {
            figures.nftables = try benchmark.measure(runs: runs)
            if let dispatch, let first = dispatch.first, let last = dispatch.last {
                benchProgress("connecting to the first and the last service in nftables mode, \(runs) rounds")
                figures.nftablesRates = try ConnectionRate(target: last, lockPath: lockPath)
                    .measureNftables(benchmark.state, first: first, rounds: runs)
            }
        }
        if measures(.iptables), let dispatch, let last = dispatch.last {
            benchProgress("connecting to the last service (\(last.name)), linear then tree, \(runs) rounds")
            figures.connectionRates = try ConnectionRate(target: last, lockPath: lockPath)
                .measure([planning.full, dispatch.tree], rounds: runs)
        }
        return figures
    }

    /// Whether `--apply` measures `mode`: the one asked for, or every mode.
    private func measures(_ mode: KubeProxyConfiguration.ProxyMode) -> Bool {
        proxyMode.map { $0 == mode } ?? true
    }
}

extension Bench {
    /// `--ingress`: the Ingress proxy against nginx.
    private func runIngress() throws {
        let workers = ProcessInfo.processInfo.activeProcessorCount
        let result = try IngressBenchmark(seconds: ingressSeconds, connections: ingressConnections, rounds: runs, workers: workers,
                                          executable: LibiptcHelperCommand.commandLine[0]).measure()
        var figures = BenchFigures()
        figures.add("ingressWorkers", .integer(workers))
        figures.add("ingressConnections", .integer(ingressConnections))
        figures.add("ingressSeconds", .integer(ingressSeconds))
        figures.add("runs", .integer(runs))
        for scheme in IngressBenchmark.Scheme.allCases {
            for proxy in scheme.proxies {
                let reports = result.reports[IngressBenchmark.Result.key(proxy, scheme)] ?? []
                figures.add("ingress\(scheme.rawValue)RequestsPerSecond\(proxy.rawValue)", median: reports.map(\.requestsPerSecond))
                figures.add("ingress\(scheme.rawValue)P99Ms\(proxy.rawValue)", median: reports.map(\.p99Milliseconds))
                figures.add("ingress\(scheme.rawValue)CPUMicrosecondsPerRequest\(proxy.rawValue)",
                            median: result.cpuMicrosecondsPerRequest[IngressBenchmark.Result.key(proxy, scheme)] ?? [])
            }
        }
        print(output == .json ? figures.json : figures.table)
    }
}

extension Bench {
    /// `--agent`: the agent's figures.
    private func runAgent() async throws {
        guard getuid() == 0 else { throw BenchError("--agent applies rules in a network namespace: run it as root") }
        let lockPath = NSTemporaryDirectory() + "kproxy-bench-\(getpid()).lock"
        defer { unlink(lockPath) }
        let benchmark = AgentBenchmark(services: services, endpointsPerService: endpoints, changes: changes,
                                       churnSeconds: churnSeconds ?? 60, churnRate: churnRate, lockPath: lockPath)
        let result = try await benchmark.measure()
        let process = try await AgentProcessBenchmark(cluster: benchmark, executable: LibiptcHelperCommand.commandLine[0]).measure()
        var figures = BenchFigures()
        figures.add("services", .integer(services))
        figures.add("endpointsPerService", .integer(endpoints))
        figures.add("agentInitialSyncMs", .number(result.initialSyncMs))
        figures.add("agentChanges", .integer(result.changeLatenciesMs.count))
        figures.add("agentChangeP50Ms", .number(BenchFigures.percentile(result.changeLatenciesMs, 0.5)))
        figures.add("agentChangeP99Ms", .number(BenchFigures.percentile(result.changeLatenciesMs, 0.99)))
        figures.add("agentChangeMaxMs", .number(result.changeLatenciesMs.max()))
        figures.add("agentChurnSeconds", .integer(churnSeconds ?? 60))
        figures.add("agentChurnChanges", .integer(result.churnChanges))
        figures.add("agentChurnSyncs", .integer(result.churnSyncs))
        figures.add("agentFailedSyncs", .integer(result.failedSyncs))
        figures.add("agentRSSStartMB", .number(result.residentStartMB))
        figures.add("agentRSSEndMB", .number(result.residentEndMB))
        figures.add("agentProcessChurnChanges", .integer(process.churnChanges))
        figures.add("agentProcessRSSStartMB", .number(process.residentStartMB))
        figures.add("agentProcessRSSEndMB", .number(process.residentEndMB))
        figures.add("agentProcessPeakRSSMB", .number(process.peakMB))
        print(output == .json ? figures.json : figures.table)
    }
}

extension Bench {
    /// `--churn`: endpoint changes through the sync loop into a namespace's kernel.
    private func runChurn() async throws {
        guard getuid() == 0 else { throw BenchError("--churn applies rules in a network namespace: run it as root") }
        let lockPath = NSTemporaryDirectory() + "kproxy-bench-\(getpid()).lock"
        let path = keep ?? NSTemporaryDirectory() + "kproxy-bench-\(getpid()).yaml"
        defer {
            unlink(lockPath)
            if keep == nil { unlink(path) }
        }
        guard FileManager.default.createFile(atPath: path, contents: nil), let handle = FileHandle(forWritingAtPath: path) else {
            throw BenchError("cannot write \(path)")
        }
        SyntheticCluster(services: services, endpointsPerService: endpoints, shape: shape).write(to: handle)
        try handle.close()
        let seconds = churnSeconds ?? 600
        let result = try await ChurnBenchmark(clusterPath: path, seconds: seconds, rate: churnRate, lockPath: lockPath).measure()
        var figures = BenchFigures()
        figures.add("services", .integer(services))
        figures.add("endpointsPerService", .integer(endpoints))
        figures.add("shape", .text(shape.rawValue))
        figures.add("churnSeconds", .integer(seconds))
        figures.add("churnRate", .integer(churnRate))
        figures.add("churnChanges", .integer(result.changes))
        figures.add("churnSyncs", .integer(result.syncs))
        figures.add("churnFailedSyncs", .integer(result.failedSyncs))
        figures.add("churnChangeP50Ms", .number(BenchFigures.percentile(result.latenciesMs, 0.5)))
        figures.add("churnChangeP99Ms", .number(BenchFigures.percentile(result.latenciesMs, 0.99)))
        figures.add("churnChangeMaxMs", .number(result.latenciesMs.max()))
        figures.add("churnRSSStartMB", .number(result.residentStartMB))
        figures.add("churnRSSEndMB", .number(result.residentEndMB))
        figures.add("churnRSSMaxMB", .number(result.residentMaxMB))
        print(output == .json ? figures.json : figures.table)
    }
}

extension SyntheticCluster.Shape: ExpressibleByArgument {}

struct BenchError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
