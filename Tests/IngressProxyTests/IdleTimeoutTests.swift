import IngressProxy
import KProxyTestSupport
import Testing

/// The keep-alive timeout: a client connection that sends nothing between requests is
/// closed after `clientIdleTimeout`; one waiting for a slow response is not.
@Suite struct IdleTimeoutTests {
    static let ingress = IngressHarness.catchAll("web")

    static var limits: IngressProxyLimits {
        var limits = IngressProxyLimits()
        limits.clientIdleTimeout = .milliseconds(300)
        return limits
    }

    @Test func anIdleKeptAliveConnectionIsClosed() async throws {
        try await IngressHarness.with(ingressYAML: Self.ingress, services: ["web": 1], limits: Self.limits) { harness in
            let connection = try RawHTTPConnection(port: harness.proxy.httpPort, timeoutSeconds: 5)
            try connection.send("GET / HTTP/1.1\r\nHost: a.example.com\r\n\r\n")
            #expect(try await offThePool { try connection.response() }.status == 200)
            // Closed well within the read's 5 s: without the timeout the read times out.
            #expect(try await offThePool { try connection.readsToTheEnd() }, "closed before the read timed out")
        }
    }

    @Test func aSlowResponseOutlastsTheIdleTimeout() async throws {
        try await IngressHarness.with(ingressYAML: Self.ingress, services: ["web": 1], limits: Self.limits) { harness in
            let connection = try RawHTTPConnection(port: harness.proxy.httpPort, timeoutSeconds: 5)
            try connection.send("GET /slow/900 HTTP/1.1\r\nHost: a.example.com\r\n\r\n")
            #expect(try await offThePool { try connection.response() }.status == 200)
        }
    }
}
