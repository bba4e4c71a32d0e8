import Logging

/// What every connection of one listener shares: the route table, the limits, and what
/// the listener tells endpoints about itself.
struct ListenerContext: Sendable {
    let routes: RouteTableHolder
    let limits: IngressProxyLimits
    /// `http` or `https`.
    let scheme: String
    let logger: Logger
    let accessLog: AccessLog
}
