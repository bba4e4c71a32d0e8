import ArgumentParser
import Foundation
import IptablesBackend
import ProxyCore
import ProxyRuntime
import ServiceModel

/// `--ip-family ipv4|ipv6` (Kubernetes' spelling, IPv4/IPv6, is accepted too).
extension KubeProxyConfiguration.ProxyMode: ExpressibleByArgument {}

extension IPFamily: ExpressibleByArgument {
    public init?(argument: String) {
        switch argument.lowercased() {
        case "ipv4", "4": self = .ipv4
        case "ipv6", "6": self = .ipv6
        default: return nil
        }
    }

    public static var allValueStrings: [String] { ["ipv4", "ipv6"] }
}

/// Which node and IP family to plan for.
struct NodeOptions: ParsableArguments {
    @Option(help: ArgumentHelp("The node to plan for (default: the configuration's hostnameOverride, else the hostname).",
                               valueName: "name"))
    var hostnameOverride: String?

    @Option(help: ArgumentHelp("An IP of the node, used when the manifests hold no Node for it; repeat for dual-stack.",
                               valueName: "ip"))
    var nodeIP: [String] = []

    @Option(help: ArgumentHelp("The IP family to plan: ipv4 or ipv6 (default: the family of the node's first IP).",
                               valueName: "family"))
    var ipFamily: IPFamily?

    @Option(help: ArgumentHelp("""
        Which rules to write: iptables (kube-proxy's iptables mode) or nftables (its nftables \
        mode: one table, verdict maps) (default: the configuration's mode, else iptables).
        """, valueName: "mode"))
    var proxyMode: KubeProxyConfiguration.ProxyMode?

    @Option(help: ArgumentHelp("""
        How KUBE-SERVICES finds a packet's service: linear (kube-proxy's layout, one rule per \
        service IP and port) or tree (split by destination prefix into small chains, so a new \
        connection meets O(log services) rules).
        """, valueName: "layout"))
    var serviceDispatch: ServiceDispatch = .linear

    @Option(help: ArgumentHelp("""
        The host's features: probe (read this host, as kube-proxy does at start) or, to plan for \
        another host, a comma-separated list of random-fully=yes|no and tcp-be-liberal=yes|no.
        """, valueName: "probe|list"))
    var hostFeatures: HostFeaturesChoice = .probe

    func validate() throws {
        for text in nodeIP where IPAddress(text) == nil {
            throw ValidationError("--node-ip \(text) is not an IP address.")
        }
    }

    /// A plan of the rules for the node, from loaded input.
    struct Plan {
        var input: LoadedInput
        var settings: ProxySettings
        var ruleset: Ruleset
        /// How the host's features were found (``HostProbe/findings``).
        var hostFindings: [String]
    }

    /// The mode asked for: `--proxy-mode`, else the configuration's.
    func mode(of loaded: LoadedInput) -> KubeProxyConfiguration.ProxyMode {
        proxyMode ?? loaded.configuration.mode
    }

    /// Loads `input` and plans kube-proxy's iptables rules; invalid input or a missing node
    /// print why and exit 2. (Commands take nftables mode's path before they get here.)
    func plan(_ input: InputOptions) throws -> Plan {
        try plan(resolved: try resolve(input))
    }

    /// ``plan(_:)`` of input already resolved (``resolve(_:)``).
    func plan(resolved: (LoadedInput, ProxySettings, hostFindings: [String])) throws -> Plan {
        var (loaded, settings, hostFindings) = resolved
        let family = settings.family
        if !settings.node.addresses.contains(where: { $0.family == family }),
           !loaded.manifests.services.contains(where: { $0.clusterIPs.contains { $0.family == family } }) {
            printError("kproxy-iptables: warning: neither Node \(settings.node.name) nor any Service has an \(family.rawValue) address; "
                       + "the \(family.rawValue) plan holds only the fixed chains")
        }
        // The catalog holds what planning needs; the decoded slices would only add to the
        // peak memory of a large sync.
        loaded.manifests.endpointSlices = []
        loaded.manifests.endpoints = []
        return Plan(input: loaded, settings: settings, ruleset: RulePlanner(settings: settings, serviceDispatch: serviceDispatch).plan(loaded.catalog),
                    hostFindings: hostFindings)
    }

    /// Loads `input` and resolves the node, the planner settings and the host's features;
    /// invalid input or a missing node print why and exit 2.
    func resolve(_ input: InputOptions) throws -> (LoadedInput, ProxySettings, hostFindings: [String]) {
        let loaded = try input.load(hostnameOverride: hostnameOverride, fallbackNodeName: Self.hostname())
        let options = runtimeOptions(for: loaded)
        guard let settings = options.settings(for: loaded.node, waitForIPs: false) else {
            let known = loaded.manifests.nodes.map(\.name).sorted()
            let names = known.isEmpty ? "the manifests hold no Node" : "Nodes found: " + known.joined(separator: ", ")
            printError("kproxy-iptables: no Node named \"\(options.nodeName)\" in the manifests (\(names)); "
                       + "add it, name another with --hostname-override, or give its IPs with --node-ip")
            throw ExitCode(2)
        }
        return (loaded, settings, options.hostFindings)
    }

    /// What a runtime following this input is told about the node.
    func runtimeOptions(for loaded: LoadedInput) -> ProxyRuntimeOptions {
        runtimeOptions(configuration: loaded.configuration, nodeName: loaded.nodeName ?? Self.hostname())
    }

    /// What a runtime for `nodeName` under `configuration` is told about the node.
    func runtimeOptions(configuration: KubeProxyConfiguration, nodeName: String) -> ProxyRuntimeOptions {
        var options = ProxyRuntimeOptions(configuration: configuration, nodeName: nodeName)
        options.nodeIPs = nodeIP.compactMap { IPAddress($0) }
        options.ipFamily = ipFamily
        options.serviceDispatch = serviceDispatch
        let probe = hostFeatures.resolve(family: ipFamily ?? .ipv4)
        options.host = probe.features
        options.hostFindings = probe.findings
        return options
    }

    /// This machine's hostname, lower-cased, as kube-proxy takes it when nothing overrides it.
    static func hostname() -> String {
        ProcessInfo.processInfo.hostName.lowercased()
    }
}

/// Runs `body`, turning an ``IptablesError`` into a message and exit status 1.
func reportingKernelErrors<Result>(_ body: () throws(IptablesError) -> Result) throws -> Result {
    do {
        return try body()
    } catch {
        printError("kproxy-iptables: \(error)" + (error.isPermissionDenied ? " — run as root (iptables needs CAP_NET_ADMIN)" : ""))
        throw ExitCode(1)
    }
}

extension ServiceDispatch: ExpressibleByArgument {}
