import IngressProxy
import KProxyTestSupport
import Testing

/// Requests the proxy refuses with 400 before routing: none of them reaches the endpoint
/// that a catch-all rule would send them to.
@Suite struct MalformedRequestTests {
    static let ingress = IngressHarness.catchAll("live")

    struct Row: Sendable, CustomTestStringConvertible {
        var testDescription: String
        var request: String
    }

    static let rows = [
        Row(testDescription: "a header line without a colon", request: "GET / HTTP/1.1\r\nHost: a.example.com\r\nBad Header\r\n\r\n"),
        Row(testDescription: "a header over the limit",
            request: "GET / HTTP/1.1\r\nHost: a.example.com\r\nX-Big: \(String(repeating: "a", count: 40_000))\r\n\r\n"),
        Row(testDescription: "a Host with a space", request: "GET / HTTP/1.1\r\nHost: a.exa mple.com\r\n\r\n"),
        Row(testDescription: "a Host with a path", request: "GET / HTTP/1.1\r\nHost: a.example.com/evil\r\n\r\n"),
        Row(testDescription: "a Host with a bad port", request: "GET / HTTP/1.1\r\nHost: a.example.com:80x\r\n\r\n"),
        Row(testDescription: "no Host in HTTP/1.1", request: "GET / HTTP/1.1\r\nUser-Agent: test\r\n\r\n"),
        Row(testDescription: "two Hosts", request: "GET / HTTP/1.1\r\nHost: a.example.com\r\nHost: b.example.com\r\n\r\n"),
        Row(testDescription: "a relative target", request: "GET a/b HTTP/1.1\r\nHost: a.example.com\r\n\r\n"),
    ]

    @Test(arguments: rows)
    func getsBadRequestAndNeverReachesAnEndpoint(_ row: Row) async throws {
        try await IngressHarness.with(ingressYAML: Self.ingress, services: ["live": 1]) { harness in
            let connection = try RawHTTPConnection(port: harness.proxy.httpPort)
            try connection.send(row.request)
            let response = try connection.response()
            #expect(response.status == 400)
            #expect(try connection.isClosedByPeer())
            #expect(harness.backends["live"]?.first?.requests == 0)
            // The same connection's well-formed request would have gone through.
            #expect(try harness.get("a.example.com", "/").status == 200)
        }
    }
}
