import ArgumentParser
import Foundation
import IptablesBackend
import ServiceModel

/// `--ip-family ipv4|ipv6` (Kubernetes' spelling, IPv4/IPv6, is accepted too).
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

/// `kproxy-iptables sync`: plan the rules for the node and, with `--dry-run`, print them.
struct Sync: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Plan the node's iptables rules from the manifests.",
        discussion: """
            Plans the rules kube-proxy's iptables mode would write for one node: every Service \
            port's capture rules and KUBE-SVC/SVL/EXT/FW/SEP chains, the masquerade chains and \
            the filter chains, for one IP family.

            With --dry-run the full iptables-restore text is printed to standard output (filter, \
            then nat), ready for `iptables-restore --test`. Services are written sorted by \
            namespace, name and port, so the same input always gives the same bytes.

            The node is the Node object named by --hostname-override, else by the \
            configuration's hostnameOverride, else by this machine's hostname. --node-ip gives \
            its IPs when the manifests hold no such Node (or overrides the Node's).

            Invalid manifests or configuration print every problem to standard error, no \
            rules, and exit with status 2.
            """
    )

    @OptionGroup var input: InputOptions

    @Flag(help: "Print the iptables-restore text instead of applying it.")
    var dryRun = false

    @Option(help: ArgumentHelp("The node to plan for (default: the configuration's hostnameOverride, else the hostname).",
                               valueName: "name"))
    var hostnameOverride: String?

    @Option(help: ArgumentHelp("An IP of the node, used when the manifests hold no Node for it; repeat for dual-stack.",
                               valueName: "ip"))
    var nodeIP: [String] = []

    @OptionGroup var backend: BackendOptions

    @Option(help: ArgumentHelp("The IP family to plan: ipv4 or ipv6 (default: the family of the node's first IP).",
                               valueName: "family"))
    var ipFamily: IPFamily?

    func validate() throws {
        for text in nodeIP where IPAddress(text) == nil {
            throw ValidationError("--node-ip \(text) is not an IP address.")
        }
    }

    func run() throws {
        let loaded = try input.load(hostnameOverride: hostnameOverride, fallbackNodeName: Self.hostname())
        let node = try resolveNode(named: loaded.nodeName ?? Self.hostname(), in: loaded)
        let family = ipFamily ?? node.addresses.first?.family ?? .ipv4
        let planner = RulePlanner(settings: ProxySettings(configuration: loaded.configuration, node: node, family: family))
        let ruleset = planner.plan(loaded.catalog)
        if dryRun {
            var renderer = RestoreRenderer()
            renderer.render(ruleset)
            FileHandle.standardOutput.write(Data(renderer.bytes))
            return
        }
        let applier = try backend.applier(family: family)
        do {
            let report = try applier.apply(ruleset, changes: nil)
            printError("kproxy-iptables: \(report)")
        } catch {
            printError("kproxy-iptables: \(error)")
            throw ExitCode(1)
        }
    }

    private func resolveNode(named name: String, in loaded: LoadedInput) throws -> ProxyNode {
        let addresses = nodeIP.compactMap { IPAddress($0) }
        if let node = loaded.node {
            var proxyNode = ProxyNode(node)
            if !addresses.isEmpty { proxyNode.addresses = addresses }
            return proxyNode
        }
        guard !addresses.isEmpty else {
            let known = loaded.manifests.nodes.map(\.name).sorted()
            let names = known.isEmpty ? "the manifests hold no Node" : "Nodes found: " + known.joined(separator: ", ")
            printError("kproxy-iptables: no Node named \"\(name)\" in the manifests (\(names)); "
                       + "add it, name another with --hostname-override, or give its IPs with --node-ip")
            throw ExitCode(2)
        }
        return ProxyNode(name: name, addresses: addresses)
    }

    /// This machine's hostname, lower-cased, as kube-proxy takes it when nothing overrides it.
    static func hostname() -> String {
        ProcessInfo.processInfo.hostName.lowercased()
    }
}
