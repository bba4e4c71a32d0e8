import ServiceModel

/// The rules in the built-in chains (INPUT, FORWARD, OUTPUT, PREROUTING, POSTROUTING) that
/// send packets into our chains. They are not part of a ruleset's chains: the built-in
/// chains belong to everyone, so these rules are inserted at the top when missing and never
/// rewritten, exactly as kube-proxy ensures them.
public struct BuiltinJump: Hashable, Sendable {
    public var table: Table
    /// The built-in chain, e.g. `INPUT`.
    public var chain: String
    public var rule: Rule

    /// The built-in chain as a chain name, for encoding and messages.
    public var chainName: ChainName { ChainName(trusted: chain) }

    /// The iptables-restore line that inserts this jump at the top of its chain.
    public var restoreInsertion: String { "-I \(chain) 1 \(RestoreRenderer.text(rule))" }

    /// The jumps a ruleset needs, in kube-proxy's ensure order: each is inserted at the top
    /// if missing, so the last one ends up first on a fresh host.
    public static func needed(by ruleset: Ruleset) -> [BuiltinJump] {
        var jumps: [BuiltinJump] = []
        let newState = Match.conntrackState([.new])
        func add(_ table: Table, _ chain: String, _ target: ChainName, _ comment: String?, newOnly: Bool) {
            guard ruleset[table]?[target] != nil else { return }
            var matches: [Match] = newOnly ? [newState] : []
            if let comment { matches.append(.comment(comment)) }
            jumps.append(BuiltinJump(table: table, chain: chain, rule: Rule(matches, .jump(target))))
        }
        let external = "kubernetes externally-visible service portals"
        let portals = "kubernetes service portals"
        let firewall = "kubernetes load balancer firewall"
        add(.filter, "INPUT", .externalServices, external, newOnly: true)
        add(.filter, "INPUT", .nodePorts, "kubernetes health check service ports", newOnly: false)
        add(.filter, "INPUT", .proxyFirewall, firewall, newOnly: true)
        add(.filter, "FORWARD", .externalServices, external, newOnly: true)
        add(.filter, "FORWARD", .services, portals, newOnly: true)
        add(.filter, "FORWARD", .forward, "kubernetes forwarding rules", newOnly: false)
        add(.filter, "FORWARD", .proxyFirewall, firewall, newOnly: true)
        add(.filter, "OUTPUT", .services, portals, newOnly: true)
        add(.filter, "OUTPUT", .proxyFirewall, firewall, newOnly: true)
        add(.filter, "INPUT", .firewall, nil, newOnly: false)
        add(.filter, "OUTPUT", .firewall, nil, newOnly: false)
        add(.nat, "OUTPUT", .services, portals, newOnly: false)
        add(.nat, "PREROUTING", .services, portals, newOnly: false)
        add(.nat, "POSTROUTING", .postrouting, "kubernetes postrouting rules", newOnly: false)
        return jumps
    }
}
