/// The limits and timeouts one proxy applies to every request, with ingress-nginx's
/// defaults.
public struct IngressProxyLimits: Sendable, Equatable {
    /// The largest request body accepted (ingress-nginx's `proxy-body-size`, 1 MiB);
    /// larger ones get 413. `nil`: no limit.
    public var maxBodyBytes: Int?
    /// The most bytes the request line and headers may take together (nginx's
    /// `large_client_header_buffers`, four of 8 KiB); more get 400.
    public var maxHeaderBytes = 32 * 1024
    /// How long connecting to an endpoint may take before the next is tried
    /// (`proxy-connect-timeout`).
    public var connectTimeout: Duration = .seconds(5)
    /// How long an endpoint may leave the proxy waiting for the next part of its response,
    /// and a client for the next part of its request (`proxy-read-timeout`,
    /// `proxy-send-timeout`, `client-body-timeout`).
    public var readTimeout: Duration = .seconds(60)
    /// How long an endpoint that refused or timed out is passed over (nginx's
    /// `fail_timeout`).
    public var failureBackoff: Duration = .seconds(10)
    /// Idle keep-alive connections kept per endpoint and event loop
    /// (`upstream-keepalive-connections` spread over the workers).
    public var idleConnectionsPerEndpoint = 64
    /// How long an idle client connection is kept open (`keep-alive`, 75 s), counted from
    /// the last bytes read or response written.
    public var clientIdleTimeout: Duration = .seconds(75)

    public init(maxBodyBytes: Int? = 1024 * 1024) {
        self.maxBodyBytes = maxBodyBytes
    }
}
