/// The kubeproxy.config.k8s.io/v1alpha1 KubeProxyConfiguration fields that change the
/// rules, with kube-proxy's defaults for every field left out.
public struct KubeProxyConfiguration: Hashable, Sendable {
    /// Which rules the proxy writes (`mode`; empty means iptables, kube-proxy's default).
    public enum ProxyMode: String, Hashable, Sendable, CaseIterable {
        case iptables
        case nftables
    }

    /// How kube-proxy tells traffic from local pods apart (`detectLocalMode`).
    public enum LocalTrafficDetector: Hashable, Sendable {
        /// Sources in the cluster CIDRs are local (`ClusterCIDR`); with no CIDR, nothing is.
        case clusterCIDR
        /// Sources in the node's pod CIDRs are local (`NodeCIDR`).
        case nodeCIDR
        /// Traffic entering from this bridge is local (`BridgeInterface`).
        case bridgeInterface(String)
        /// Traffic entering from interfaces with this name prefix is local (`InterfaceNamePrefix`).
        case interfaceNamePrefix(String)
    }

    /// One `nodePortAddresses` entry.
    public enum NodePortAddress: Hashable, Sendable {
        case cidr(IPPrefix)
        /// The node's primary IPs.
        case primary
    }

    /// How the proxy talks to the API server (`clientConnection`).
    public struct ClientConnection: Hashable, Sendable {
        /// The kubeconfig file; empty means in-cluster credentials (or `--kubeconfig`).
        public var kubeconfig: String?
        /// Requests per second allowed to the API server, on average.
        public var qps: Double
        /// Requests allowed at once above the average.
        public var burst: Int

        public init(kubeconfig: String? = nil, qps: Double = 5, burst: Int = 10) {
            self.kubeconfig = kubeconfig
            self.qps = qps
            self.burst = burst
        }
    }

    /// kube-proxy's default iptables mark bit for packets to masquerade.
    public static let defaultMasqueradeBit = 14

    public var mode: ProxyMode = .iptables
    public var hostnameOverride: String?
    public var bindAddress: IPAddress?
    public var clusterCIDRs: [IPPrefix]
    public var localTrafficDetector: LocalTrafficDetector
    public var masqueradeAll: Bool
    public var masqueradeBit: Int
    public var localhostNodePorts: Bool
    /// Empty means every local address accepts NodePort traffic.
    public var nodePortAddresses: [NodePortAddress]
    public var syncPeriod: Duration
    public var minSyncPeriod: Duration
    public var featureGates: [String: Bool]
    public var clientConnection = ClientConnection()
    /// Where `/healthz` and `/livez` are served (`host:port`; an empty host is every address).
    public var healthzBindAddress = "0.0.0.0:10256"
    /// Where `/metrics` is served.
    public var metricsBindAddress = "127.0.0.1:10249"

    public init(hostnameOverride: String? = nil, bindAddress: IPAddress? = nil, clusterCIDRs: [IPPrefix] = [],
                localTrafficDetector: LocalTrafficDetector = .clusterCIDR, masqueradeAll: Bool = false,
                masqueradeBit: Int = defaultMasqueradeBit, localhostNodePorts: Bool = true,
                nodePortAddresses: [NodePortAddress] = [], syncPeriod: Duration = .seconds(30),
                minSyncPeriod: Duration = .seconds(1), featureGates: [String: Bool] = [:]) {
        self.hostnameOverride = hostnameOverride
        self.bindAddress = bindAddress
        self.clusterCIDRs = clusterCIDRs
        self.localTrafficDetector = localTrafficDetector
        self.masqueradeAll = masqueradeAll
        self.masqueradeBit = masqueradeBit
        self.localhostNodePorts = localhostNodePorts
        self.nodePortAddresses = nodePortAddresses
        self.syncPeriod = syncPeriod
        self.minSyncPeriod = minSyncPeriod
        self.featureGates = featureGates
    }

    /// Checks the values against kube-proxy's configuration rules.
    public func validate() -> [FieldError] {
        var errors: [FieldError] = []
        if !(0...31).contains(masqueradeBit) {
            errors.append(.invalid(FieldPath("iptables", "masqueradeBit"), masqueradeBit, "must be within the range [0, 31]"))
        }
        if syncPeriod <= .zero {
            errors.append(.invalid(FieldPath("syncPeriod"), goDurationText(syncPeriod), "must be greater than 0"))
        }
        if minSyncPeriod < .zero {
            errors.append(.invalid(FieldPath("minSyncPeriod"), goDurationText(minSyncPeriod), "must be greater than or equal to 0"))
        }
        if clusterCIDRs.count > 2 {
            errors.append(.tooMany(FieldPath("clusterCIDR"), count: clusterCIDRs.count, limit: 2))
        } else if clusterCIDRs.count == 2, clusterCIDRs[0].family == clusterCIDRs[1].family {
            errors.append(.invalid(FieldPath("clusterCIDR"), clusterCIDRs.map(\.description).joined(separator: ","),
                                   "may specify no more than one CIDR for each IP family"))
        }
        switch localTrafficDetector {
        case .bridgeInterface(let name) where name.isEmpty:
            errors.append(.required(FieldPath("detectLocal", "bridgeInterface"), "must not be empty when detectLocalMode is BridgeInterface"))
        case .interfaceNamePrefix(let prefix) where prefix.isEmpty:
            errors.append(.required(FieldPath("detectLocal", "interfaceNamePrefix"), "must not be empty when detectLocalMode is InterfaceNamePrefix"))
        case .bridgeInterface(let name):
            if let problem = Self.interfaceNameProblem(name, maxLength: 15) {
                errors.append(.invalid(FieldPath("detectLocal", "bridgeInterface"), name, problem))
            }
        case .interfaceNamePrefix(let prefix):
            if let problem = Self.interfaceNameProblem(prefix, maxLength: 14) {
                errors.append(.invalid(FieldPath("detectLocal", "interfaceNamePrefix"), prefix, problem))
            }
        default:
            break
        }
        if let hostnameOverride {
            for message in NameRules.dns1123Subdomain(hostnameOverride) {
                errors.append(.invalid(FieldPath("hostnameOverride"), hostnameOverride, message))
            }
        }
        return errors
    }
}

extension KubeProxyConfiguration {
    /// Why Linux would refuse `name` as an interface name (or, for a prefix, leave no room
    /// for the rest of one); `nil` when it is fine.
    static func interfaceNameProblem(_ name: String, maxLength: Int) -> String? {
        if name.utf8.count > maxLength {
            return "must be no more than \(maxLength) bytes (Linux interface names are at most 15)"
        }
        if name == "." || name == ".." {
            return "must not be '.' or '..'"
        }
        if name.utf8.contains(where: { $0 <= 0x20 || $0 >= 0x7F || $0 == UInt8(ascii: "/") || $0 == UInt8(ascii: ":")
            || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "'") || $0 == UInt8(ascii: "\\") }) {
            return "must be printable ASCII without whitespace, quotes, backslashes, '/' or ':'"
        }
        return nil
    }
}

/// `1h0m0s`-style text for a duration, as Go prints one.
func goDurationText(_ duration: Duration) -> String {
    let (seconds, attoseconds) = duration.components
    if attoseconds == 0, seconds % 60 != 0 || seconds < 60 { return "\(seconds)s" }
    if attoseconds == 0 {
        let hours = seconds / 3600
        let minutes = seconds % 3600 / 60
        let rest = seconds % 60
        return hours > 0 ? "\(hours)h\(minutes)m\(rest)s" : "\(minutes)m\(rest)s"
    }
    return "\(Double(seconds) + Double(attoseconds) / 1e18)s"
}

/// Parses Go duration text (`30s`, `1m30s`, `500ms`, `1.5h`).
func parseGoDuration(_ text: String) -> Duration? {
    var rest = Substring(text)
    var negative = false
    if rest.first == "-" || rest.first == "+" {
        negative = rest.first == "-"
        rest = rest.dropFirst()
    }
    if rest == "0" { return .zero }
    guard !rest.isEmpty else { return nil }
    var total = 0.0
    while !rest.isEmpty {
        let number = rest.prefix { $0.isNumber || $0 == "." }
        guard !number.isEmpty, let value = Double(number) else { return nil }
        rest = rest.dropFirst(number.count)
        let unit = rest.prefix { !$0.isNumber && $0 != "." }
        rest = rest.dropFirst(unit.count)
        let scale: Double
        switch unit {
        case "ns": scale = 1e-9
        case "us", "µs", "μs": scale = 1e-6
        case "ms": scale = 1e-3
        case "s": scale = 1
        case "m": scale = 60
        case "h": scale = 3600
        default: return nil
        }
        total += value * scale
    }
    let nanoseconds = Int64((total * 1e9).rounded())
    return .nanoseconds(negative ? -nanoseconds : nanoseconds)
}
