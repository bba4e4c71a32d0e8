import IptablesBackend
import ProxyRuntime
import ServiceModel

extension BackendOptions {
    /// The rules a runtime in `mode` keeps for `family`, once what the other mode left is
    /// removed (as kube-proxy does when it starts: both modes' rules at once would each
    /// act on every packet).
    func proxyRules(mode: KubeProxyConfiguration.ProxyMode, family: IPFamily) throws -> ProxyRules {
        switch mode {
        case .iptables:
            let applier = try applier(family: family)
            try removeNftablesModeTable(family: family)
            return .iptables(applier)
        case .nftables:
            try removeIptablesModeRules(family: family)
            return .nftables
        }
    }

    /// Removes what iptables mode left in the family's iptables tables, saying how much.
    func removeIptablesModeRules(family: IPFamily) throws {
        let applier = try applier(family: family)
        let report = try reportingKernelErrors { () throws(IptablesError) in try applier.cleanup(family: family) }
        let deleted = report.tables.reduce(0) { $0 + $1.deleted.count }
        if deleted > 0 {
            printError("kproxy-iptables: removed iptables mode's rules: \(deleted) chains")
        }
    }
}
