import ProxyRuntime
import ServiceModel

/// The summary `validate` prints.
extension LoadedInput {
    /// Objects per kind, the join, the node and the configuration in effect.
    var summary: String {
        var lines: [String] = []
        let counts = manifests.countsByKind
        let total = counts.values.reduce(0, +)
        let skipped = manifests.skippedKinds
        lines.append("Objects read: \(total)")
        let kindWidth = max(counts.keys.map(\.count).max() ?? 0, 4)
        for kind in counts.keys.sorted() {
            let note = skipped[kind] != nil && counts[kind] == skipped[kind] ? "  (skipped: not used)" : ""
            lines.append("  " + kind.padding(kindWidth) + "  " + String(counts[kind]!).leftPadding(6) + note)
        }

        let proxied = Set(catalog.servicePorts.map(\.name.service)).count
        let endpoints = catalog.servicePorts.flatMap(\.endpoints)
        let ready = endpoints.filter(\.isReady).count
        let terminating = endpoints.filter { $0.isTerminating && $0.isServing }.count
        lines.append("Services: \(manifests.services.count) (\(proxied) proxied, \(catalog.skippedServices.count) without rules)")
        for skipped in catalog.skippedServices {
            lines.append("  \(skipped.service): \(skipped.reason.rawValue)")
        }
        // The ports whose traffic a sync rejects as having no endpoints.
        let withoutEndpoints = catalog.servicePorts.filter { !$0.endpoints.contains { $0.canServe } }.count
        lines.append("Service ports: \(catalog.servicePorts.count) (\(withoutEndpoints) without endpoints)")
        lines.append("Endpoints joined: \(endpoints.count) (\(ready) ready, \(terminating) serving while terminating, "
                     + "\(endpoints.count - ready - terminating) not serving)")

        if let node {
            let zone = node.zone.map { "zone \($0), " } ?? ""
            let ips = node.nodeIPs.map(\.description).joined(separator: ", ")
            let cidrs = node.podCIDRs.map(\.description).joined(separator: ", ")
            lines.append("Node \(node.name): \(zone)IPs \(ips.isEmpty ? "none" : ips), pod CIDRs \(cidrs.isEmpty ? "none" : cidrs)")
            let local = endpoints.filter { $0.nodeName == node.name }.count
            lines.append("  endpoints on this node: \(local)")
        } else if let nodeName {
            lines.append("Node \(nodeName): not among the manifests")
        } else {
            lines.append("Node: not named (set hostnameOverride or --hostname-override)")
        }

        let config = configuration
        let detector: String
        switch config.localTrafficDetector {
        case .clusterCIDR:
            detector = config.clusterCIDRs.isEmpty ? "none (no clusterCIDR)"
                : "ClusterCIDR " + config.clusterCIDRs.map(\.description).joined(separator: ",")
        case .nodeCIDR: detector = "NodeCIDR"
        case .bridgeInterface(let name): detector = "BridgeInterface \(name)"
        case .interfaceNamePrefix(let prefix): detector = "InterfaceNamePrefix \(prefix)"
        }
        let nodePorts = config.nodePortAddresses.isEmpty ? "all local addresses"
            : config.nodePortAddresses.map { address -> String in
                switch address {
                case .cidr(let prefix): return prefix.description
                case .primary: return "primary"
                }
            }.joined(separator: ", ")
        lines.append("Configuration (\(configurationSource)):")
        lines.append("  local traffic detector: \(detector)")
        lines.append("  masquerade: bit \(config.masqueradeBit), all \(config.masqueradeAll)")
        lines.append("  localhost NodePorts: \(config.localhostNodePorts); NodePort addresses: \(nodePorts)")
        lines.append("Valid.")
        return lines.joined(separator: "\n") + "\n"
    }
}

extension String {
    func padding(_ width: Int) -> String {
        count >= width ? self : self + String(repeating: " ", count: width - count)
    }

    func leftPadding(_ width: Int) -> String {
        count >= width ? self : String(repeating: " ", count: width - count) + self
    }
}
