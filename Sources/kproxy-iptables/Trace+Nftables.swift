import Foundation
import IptablesBackend
import NftablesBackend
import ProxyCore
import ProxyRuntime
import ServiceModel

extension Trace {
    /// `trace` in nftables mode: the packet through the planned `kube-proxy` table (the
    /// kernel's with --live), every outcome with its probability (a `numgen` choice forks
    /// it).
    func traceNftables(_ loaded: LoadedInput, settings: ProxySettings) throws {
        let source = IPAddress(from)!
        let (destination, port, proto) = TracedPacket.parseDestination(to)!
        let ruleset = live ? try followableNftablesTable(family: settings.family) : loaded.nftablesRuleset(settings: settings)
        let tracer = NftPacketTracer(ruleset: ruleset, localAddresses: settings.node.addresses)
        let detector = settings.localTrafficDetector
        let origin: NftTracedPacket.Origin
        if fromNode {
            origin = .thisNode
        } else if fromPod || (!fromOutside && detector?.isPodAddress(source) == true) {
            origin = .arriving(interface: interface ?? LocalTrafficDetector.podInterface(detector))
        } else {
            origin = .arriving(interface: interface ?? "eth0")
        }
        let packet = NftTracedPacket(source: source, destination: destination, destinationPort: port, protocol: proto,
                                     origin: origin)
        let outcomes = tracer.trace(packet)
        let described = "\(proto.lowercaseName) \(source) → \(to)"
        switch output {
        case .json:
            let object: [String: Any] = [
                "packet": described,
                "outcomes": outcomes.map { outcome -> [String: Any] in
                    ["verdict": outcome.verdict.rawValue,
                     "destination": outcome.destination.map { $0.address.withPort($0.port) } ?? NSNull(),
                     "probability": outcome.probability, "masquerade": outcome.masquerade, "chains": outcome.chains]
                },
            ]
            let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
            print(String(decoding: data, as: UTF8.self))
        case .text:
            print(described + ":")
            for outcome in outcomes {
                print("  " + outcome.description + String(format: " (%.1f%%)", outcome.probability * 100))
                if verbose { print("    chains: " + outcome.chains.joined(separator: " → ")) }
            }
        }
    }
}
