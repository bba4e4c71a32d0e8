import IngressProxy
import KProxyTestSupport
import Testing

/// What an endpoint sees of a request, and the client of the response: ingress-nginx's
/// forwarding headers, `Host` as sent, hop-by-hop headers dropped both ways.
@Suite struct ForwardingTests {
    static let ingress = IngressHarness.catchAll("live")

    @Test func forwardingHeadersAreSetAndHopByHopHeadersDropped() async throws {
        try await IngressHarness.with(ingressYAML: Self.ingress, services: ["live": 1]) { harness in
            let response = try harness.get("Shop.Example.com:8080", "/a?b=c", headers: [
                "Connection: keep-alive, X-Secret", "X-Secret: 1", "Keep-Alive: timeout=5", "TE: trailers",
                "X-Forwarded-For: 203.0.113.9", "X-Real-IP: 203.0.113.9", "User-Agent: test",
            ])
            #expect(response.status == 200)
            let seen = Set(response.text.split(separator: "\n").dropFirst(2).map(String.init))
            for line in ["host: Shop.Example.com:8080", "x-forwarded-for: 127.0.0.1", "x-real-ip: 127.0.0.1",
                         "x-forwarded-host: Shop.Example.com:8080", "x-forwarded-proto: http",
                         "x-forwarded-port: \(harness.proxy.httpPort)", "x-scheme: http", "user-agent: test"] {
                #expect(seen.contains(line), "\(line) in \(seen.sorted())")
            }
            for dropped in ["x-secret", "keep-alive", "te", "connection"] {
                #expect(!seen.contains { $0.hasPrefix(dropped + ":") }, "\(dropped) reached the endpoint")
            }
            #expect(seen.filter { $0.hasPrefix("x-forwarded-for:") }.count == 1)
            // The response: the endpoint's own headers, not its hop-by-hop ones.
            #expect(response.header("x-backend") == "live-0")
            #expect(response.header("keep-alive") == nil)
        }
    }

    @Test func aKeptAliveClientConnectionServesRequestAfterRequest() async throws {
        try await IngressHarness.with(ingressYAML: Self.ingress, services: ["live": 1]) { harness in
            let connection = try RawHTTPConnection(port: harness.proxy.httpPort)
            for index in 0..<5 {
                try connection.send("GET /\(index) HTTP/1.1\r\nHost: a.example.com\r\n\r\n")
                let response = try connection.response()
                #expect(response.status == 200)
                #expect(response.text.contains("GET /\(index)\n"))
            }
            // Pipelined: two requests written at once are answered in order.
            try connection.send("GET /p1 HTTP/1.1\r\nHost: a.example.com\r\n\r\nGET /p2 HTTP/1.1\r\nHost: a.example.com\r\nConnection: close\r\n\r\n")
            #expect(try connection.response().text.contains("GET /p1\n"))
            let last = try connection.response()
            #expect(last.text.contains("GET /p2\n"))
            #expect(last.header("connection") == "close")
            #expect(try connection.isClosedByPeer())
        }
    }
}
