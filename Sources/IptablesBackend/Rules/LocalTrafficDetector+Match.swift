import ProxyCore

extension LocalTrafficDetector {
    /// "Is local" as kube-proxy's iptables mode writes it: `-s 10.244.0.0/16`, `-i cbr0`,
    /// `-i cali+`.
    public var ifLocal: Match { match(negated: false) }

    /// "Is not local": `! -s 10.244.0.0/16`, `! -i cbr0`, `! -i cali+`.
    public var ifNotLocal: Match { match(negated: true) }

    private func match(negated: Bool) -> Match {
        switch self {
        case .sourceNetwork(let network): .source(.network(network), negated: negated)
        case .inInterface(let name): .inInterface(name, negated: negated)
        case .inInterfaceNamePrefix(let prefix): .inInterface(prefix + "+", negated: negated)
        }
    }
}
