import ServiceModel

/// The certificates the HTTPS listener chooses from by the name a client asks for (SNI):
/// an Ingress `tls` entry's exact host first, then a `*.` wildcard covering one label, else
/// the default. Among Ingresses naming the same host, the oldest one's Secret is used.
public struct TLSCertificateSet: Sendable {
    private var exact: [String: TLSCertificate] = [:]
    private var wildcard: [String: TLSCertificate] = [:]
    /// The certificate for names no `tls` entry covers; `nil`: the listener's own.
    public var fallback: TLSCertificate?

    public init(fallback: TLSCertificate? = nil) {
        self.fallback = fallback
    }

    /// Serves `certificate` for `host` unless a certificate was given for it already.
    mutating func add(_ certificate: TLSCertificate, for host: String) {
        let host = host.lowercased()
        if host.hasPrefix("*.") {
            let suffix = String(host.dropFirst(2))
            if wildcard[suffix] == nil { wildcard[suffix] = certificate }
        } else if exact[host] == nil {
            exact[host] = certificate
        }
    }

    /// The certificate for a client asking for `serverName` (`nil`: no SNI).
    public func certificate(for serverName: String?) -> TLSCertificate? {
        guard var name = serverName?.lowercased(), !name.isEmpty else { return fallback }
        if name.hasSuffix(".") { name.removeLast() }
        if let certificate = exact[name] { return certificate }
        if let dot = name.firstIndex(of: "."), let certificate = wildcard[String(name[name.index(after: dot)...])] {
            return certificate
        }
        return fallback
    }

    /// How many hosts have a certificate of their own.
    public var hostCount: Int { exact.count + wildcard.count }
}
