import ProxyCore

extension LocalTrafficDetector {
    /// "Is local" as kube-proxy's nftables mode writes it: `ip saddr 10.244.0.0/16`,
    /// `iifname "cbr0"`, `iifname "cali*"`.
    public var local: NftMatch { match(negated: false) }

    /// "Is not local": `ip saddr != 10.244.0.0/16`, `iifname != "cbr0"`, `iifname != "cali*"`.
    public var notLocal: NftMatch { match(negated: true) }

    private func match(negated: Bool) -> NftMatch {
        switch self {
        case .sourceNetwork(let network): .source(NftAddressTest(.address(.network(network)), negated: negated))
        case .inInterface(let name): .inInterface(name, negated: negated)
        case .inInterfaceNamePrefix(let prefix): .inInterface(prefix + "*", negated: negated)
        }
    }
}
