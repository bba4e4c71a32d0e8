import ArgumentParser
import Foundation
import IptablesBackend
import KubernetesClient
import Logging
import ProxyAgent
import ProxyCore
import ProxyRuntime
import ServiceModel

/// `kproxy-iptables agent`: the node agent that replaces kube-proxy.
struct Agent: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run as the node's service proxy: follow the API server and keep the rules in step.",
        discussion: """
            Does what kube-proxy does on a node, with its configuration, selectors, health \
            and metrics. It finds the API server as kube-proxy does (--kubeconfig, else the \
            configuration's clientConnection.kubeconfig; --master overrides the server; with \
            neither, the pod's service account), waits for its Node to have IPs, lists and \
            watches Services, EndpointSlices and its Node (in nftables mode also \
            ServiceCIDRs, where the cluster serves them), and applies every change as a \
            partial sync (at most once per minSyncPeriod), with a full comparison every \
            syncPeriod.

            It serves /healthz and /livez on healthzBindAddress (default 0.0.0.0:10256), \
            /metrics on metricsBindAddress (default 127.0.0.1:10249) with kube-proxy's metric \
            names, and the health-check node port of every Service with \
            externalTrafficPolicy Local. SIGTERM or SIGINT stop it; the rules stay, as with \
            kube-proxy (remove them with `cleanup`).

            \(HelpSections.privileges)
            """ + HelpSections.text(
                examples: [
                    "kproxy-iptables agent --kubeconfig /var/lib/kube-proxy/kubeconfig \\",
                    "    --config /var/lib/kube-proxy/config.conf",
                    "kproxy-iptables agent --config kube-proxy.yaml    # in a pod",
                ],
                statuses: [
                    .success("stopped by SIGTERM or SIGINT"),
                    .runtimeFailure("it stopped on a failure (the log says which)"),
                    HelpSections.Status(code: 2, meaning: "invalid configuration or unusable credentials"),
                ])
    )

    @OptionGroup var api: APIServerOptions

    @Option(name: .customLong("config"),
            help: ArgumentHelp("A KubeProxyConfiguration file (default: kube-proxy's defaults).", valueName: "kube-proxy.yaml"))
    var config: String?

    @OptionGroup var node: NodeOptions
    @OptionGroup var backend: BackendOptions
    @OptionGroup var conntrack: ConntrackOptions

    @Option(help: ArgumentHelp("Where to serve /healthz and /livez (IP:port; empty serves none; default: the configuration's healthzBindAddress).",
                               valueName: "address"))
    var healthzBindAddress: String?

    @Option(help: ArgumentHelp("Where to serve /metrics (IP:port; empty serves none; default: the configuration's metricsBindAddress).",
                               valueName: "address"))
    var metricsBindAddress: String?

    @Option(help: ArgumentHelp("How long to wait at start for the Node to have IPs, in seconds.", valueName: "seconds"))
    var nodeWait: Double = 300

    @Flag(name: .shortAndLong, help: "Log every chain written or deleted.")
    var verbose = false

    func validate() throws {
        for (flag, text) in [("--healthz-bind-address", healthzBindAddress), ("--metrics-bind-address", metricsBindAddress)] {
            if let text, !text.isEmpty, BindAddress(text) == nil {
                throw ValidationError("\(flag) \(text) is not IP:port.")
            }
        }
        if nodeWait < 0 { throw ValidationError("--node-wait must not be negative.") }
    }

    func run() async throws {
        let logger = commandLogger(verbose: verbose)
        let configuration = try loadConfiguration()
        let client = try api.client(defaultKubeconfig: configuration.clientConnection.kubeconfig,
                                    qps: configuration.clientConnection.qps, burst: configuration.clientConnection.burst)
        let nodeName = node.hostnameOverride ?? configuration.hostnameOverride ?? NodeOptions.hostname()
        var options = node.runtimeOptions(configuration: configuration, nodeName: nodeName)
        options.nodeWaitTimeout = .milliseconds(Int(nodeWait * 1000))
        options.configuresHost = true
        options.cleansConntrack = conntrack.conntrackCleanup
        options.ipFamily = try await family(client: client, options: options, logger: logger)
        let family = options.ipFamily ?? .ipv4
        let mode = node.proxyMode ?? configuration.mode
        let runtime = ProxyRuntime(options: options, rules: try backend.proxyRules(mode: mode, family: family),
                                   metrics: ProxyMetrics(family: family), logger: logger)
        let agent = NodeAgent(runtime: runtime, client: client,
                              healthzAddress: bindAddress(healthzBindAddress ?? configuration.healthzBindAddress),
                              metricsAddress: bindAddress(metricsBindAddress ?? configuration.metricsBindAddress), logger: logger)
        do {
            try await agent.run()
        } catch let error as ProxyRuntimeError {
            printError("kproxy-iptables: \(error)")
            throw ExitCode(error.code == .nodeUnknown ? 2 : 1)
        } catch {
            printError("kproxy-iptables: \(error)")
            throw ExitCode(1)
        }
    }

    /// The configuration from --config, else kube-proxy's defaults; invalid exits 2.
    private func loadConfiguration() throws -> KubeProxyConfiguration {
        guard let config else { return KubeProxyConfiguration() }
        do {
            return try ManifestLoader.loadConfiguration(path: config)
        } catch {
            printError(error.description)
            throw ExitCode(2)
        }
    }

    /// The family to proxy: --ip-family, else that of the first --node-ip, else that of the
    /// Node's first IP once it has one.
    private func family(client: APIClient, options: ProxyRuntimeOptions, logger: Logger) async throws -> IPFamily? {
        if let family = node.ipFamily ?? options.nodeIPs.first?.family { return family }
        let found = try await NodeLookup.waitForIPs(client: client, name: options.nodeName, timeout: options.nodeWaitTimeout,
                                                    logger: logger)
        guard let found else {
            printError("kproxy-iptables: Node \"\(options.nodeName)\" has no IPs after \(options.nodeWaitTimeout); give --node-ip or --ip-family")
            throw ExitCode(2)
        }
        return ProxyNode(found).addresses.first?.family
    }

    private func bindAddress(_ text: String) -> BindAddress? {
        text.isEmpty ? nil : BindAddress(text)
    }
}
