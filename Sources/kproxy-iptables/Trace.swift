import ArgumentParser
import Foundation
import IptablesBackend
import ServiceModel

/// `kproxy-iptables trace`: what the node does to one packet.
struct Trace: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Explain what the node's rules do to a packet.",
        discussion: """
            Walks a packet through the planned rules (or, with --live, the kernel's) in \
            netfilter's order — nat PREROUTING or OUTPUT, filter INPUT/FORWARD/OUTPUT, nat \
            POSTROUTING — and prints every place it can end up with its probability: \
            `DNAT 10.244.2.7:53 p=0.3333 masquerade=no`, `REJECT`, `DROP`, `ACCEPT unchanged`. \
            With --verbose it also prints each rule the packet matched, with its chain, position \
            and comment, and how many rules it was checked against. --output json prints one \
            object with "outcomes", "path" and "rulesEvaluated" (rules checked, averaged over \
            the packet's branches).

            The packet enters from a pod (the default when --from is inside the local-traffic \
            detector's range), from the node itself (--from-node), or from outside \
            (--from-outside, the default otherwise); --interface names the interface it arrives \
            on. --remembered IP:PORT says the client was sent to that endpoint before (ClientIP \
            affinity). With --live it reads the kernel's tables as `diff` does, which needs root.
            """ + HelpSections.text(
                examples: [
                    "kproxy-iptables trace -f k8s/ --from 10.244.1.5 --to 10.96.0.10:53/udp",
                    "kproxy-iptables trace -f k8s/ --from-outside --from 203.0.113.9 \\",
                    "    --to 192.168.1.10:30080 --verbose",
                    "kproxy-iptables trace -f k8s/ --live --from 10.244.1.5 --to 10.96.0.1:443",
                ],
                statuses: [
                    .success("the packet was traced"),
                    .runtimeFailure("the kernel could not be read (--live)"),
                    .invalidInput,
                ])
    )

    enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
        case text, json
    }

    @OptionGroup var input: InputOptions
    @OptionGroup var node: NodeOptions
    @OptionGroup var backend: BackendOptions

    @Option(help: ArgumentHelp("The packet's source address.", valueName: "ip"))
    var from: String

    @Option(help: ArgumentHelp("The destination: IP:PORT, [IPv6]:PORT, with /tcp (default), /udp or /sctp.",
                               valueName: "ip:port[/proto]"))
    var to: String

    @Flag(help: "The packet comes from a pod on this node.")
    var fromPod = false

    @Flag(help: "The packet is sent by the node itself.")
    var fromNode = false

    @Flag(help: "The packet arrives from outside the node.")
    var fromOutside = false

    @Option(help: ArgumentHelp("The interface the packet arrives on.", valueName: "name"))
    var interface: String?

    @Option(help: ArgumentHelp("The endpoint this client was sent to before (ClientIP affinity).", valueName: "ip:port"))
    var remembered: String?

    @Flag(help: "Trace through the kernel's current tables instead of the planned rules.")
    var live = false

    @Flag(name: .shortAndLong, help: "Print every rule the packet matched.")
    var verbose = false

    @Option(help: "text or json.")
    var output: OutputFormat = .text

    func validate() throws {
        guard IPAddress(from) != nil else { throw ValidationError("--from \(from) is not an IP address.") }
        guard let (destination, _, _) = TracedPacket.parseDestination(to) else {
            throw ValidationError("--to \(to) is not IP:PORT[/tcp|udp|sctp].")
        }
        guard IPAddress(from)!.family == destination.family else { throw ValidationError("--from and --to are of different IP families.") }
        if [fromPod, fromNode, fromOutside].filter({ $0 }).count > 1 {
            throw ValidationError("Give at most one of --from-pod, --from-node and --from-outside.")
        }
        if let remembered, TracedPacket.parseDestination(remembered) == nil {
            throw ValidationError("--remembered \(remembered) is not IP:PORT.")
        }
    }

    func run() throws {
        var nodeOptions = node
        let source = IPAddress(from)!
        let (destination, port, proto) = TracedPacket.parseDestination(to)!
        if nodeOptions.ipFamily == nil { nodeOptions.ipFamily = destination.family }
        let resolved = try nodeOptions.resolve(input)
        if nodeOptions.mode(of: resolved.0) == .nftables {
            return try traceNftables(resolved.0, settings: resolved.1)
        }
        let plan = try nodeOptions.plan(resolved: resolved)
        let settings = plan.settings
        var ruleset = plan.ruleset
        var builtins: [Table: [String: [Rule]]]?
        if live {
            let applier = try backend.applier(family: ruleset.family)
            let live = try reportingKernelErrors { () throws(IptablesError) in try LiveRules.read(family: ruleset.family, applier: applier) }
            (ruleset, builtins) = (live.ruleset, live.builtins)
        }
        let entry: TracedPacket.Entry
        let detector = settings.localTrafficDetector
        if fromNode {
            entry = .local
        } else if fromPod || (!fromOutside && detector?.isPodAddress(source) == true) {
            entry = interface.map { .interface($0) } ?? .pod(detector: detector)
        } else {
            entry = .interface(interface ?? "eth0")
        }
        var rememberedIn: Set<ChainName> = []
        if let remembered, let (address, endpointPort, _) = TracedPacket.parseDestination(remembered) {
            rememberedIn = ruleset.recentLists(forEndpoint: address, port: endpointPort)
        }
        let packet = TracedPacket(source: source, destination: destination, protocol: proto, destinationPort: port,
                                  entry: entry, rememberedIn: rememberedIn)
        let tracer = PacketTracer(ruleset: ruleset, localAddresses: settings.node.addresses, builtinRules: builtins)
        let result = tracer.trace(packet)
        switch output {
        case .json:
            let object: [String: Any] = [
                "packet": packet.description,
                "outcomes": result.outcomes.map { outcome -> [String: Any] in
                    ["verdict": outcome.verdict.rawValue, "destination": outcome.destination ?? NSNull(),
                     "probability": outcome.probability, "masquerade": outcome.masquerade]
                },
                "rulesEvaluated": result.rulesEvaluated,
                "path": result.path.map { step -> [String: Any] in
                    ["table": step.table.rawValue, "chain": step.chain, "position": step.position, "rule": step.rule,
                     "comment": step.comment ?? NSNull()]
                },
            ]
            let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
            print(String(decoding: data, as: UTF8.self))
        case .text:
            print(packet.description + ":")
            for outcome in result.outcomes { print("  " + outcome.description) }
            if verbose {
                print("rules evaluated: " + String(format: "%.1f", result.rulesEvaluated))
                print("rules matched:")
                for step in result.path { print("  \(step.table) \(step.chain) #\(step.position): \(step.rule)") }
            }
        }
    }
}
