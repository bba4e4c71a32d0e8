/// An `IP:port` to listen on, as kube-proxy's `healthzBindAddress` and `metricsBindAddress`
/// take it: `0.0.0.0:10256`, `[::]:10256`, `127.0.0.1:10249`.
public struct BindAddress: Hashable, Sendable, CustomStringConvertible {
    public var host: IPAddress
    public var port: Int

    public init(host: IPAddress, port: Int) {
        self.host = host
        self.port = port
    }

    /// Parses `IP:port` (an IPv6 host in brackets); `nil` for anything else.
    public init?(_ text: String) {
        guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]),
              (0...65535).contains(port) else { return nil }
        var host = text[..<colon]
        if host.hasPrefix("["), host.hasSuffix("]") { host = host.dropFirst().dropLast() }
        guard let address = IPAddress(String(host)) else { return nil }
        self.init(host: address, port: port)
    }

    public var description: String {
        host.withPort(port)
    }
}
