import IngressProxy
import KProxyTestSupport
import ServiceModel
import Testing

/// Responses framed every way an endpoint may frame them, read through the proxy by an
/// HTTP/1.1 and an HTTP/1.0 client: the body arrives whole, framed as the client can
/// read it, and the connection stays open when that framing allows.
@Suite struct EndpointFramingTests {
    static let ingress = IngressHarness.catchAll("live")

    struct Row: Sendable, CustomTestStringConvertible {
        var testDescription: String
        /// The canned response (``TestBackend/rawResponses``) and the client's HTTP version.
        var response: String
        var version: String
        var status = 200
        var body: String
        var transferEncoding: String?
        /// Whether the client's connection takes another request after the response.
        var keptOpen: Bool
    }

    static let rows = [
        Row(testDescription: "chunked → HTTP/1.1: as it came", response: "chunked", version: "1.1", body: "hello world",
            transferEncoding: "chunked", keptOpen: true),
        Row(testDescription: "chunked → HTTP/1.0: data, then close", response: "chunked", version: "1.0", body: "hello world",
            keptOpen: false),
        Row(testDescription: "until close → HTTP/1.1: in chunks", response: "until-close", version: "1.1", body: "until close",
            transferEncoding: "chunked", keptOpen: true),
        Row(testDescription: "until close → HTTP/1.0: until close", response: "until-close", version: "1.0",
            body: "until close", keptOpen: false),
        Row(testDescription: "invalid length → 502", response: "bad-length", version: "1.1", status: 502,
            body: "502 Bad Gateway\n", keptOpen: true),
    ]

    @Test(arguments: rows)
    func readsAsTheClientCan(_ row: Row) async throws {
        try await IngressHarness.with(ingressYAML: Self.ingress, services: ["live": 1]) { harness in
            let connection = try RawHTTPConnection(port: harness.proxy.httpPort)
            let request = "GET /raw/\(row.response) HTTP/\(row.version)\r\nHost: a.example.com\r\nConnection: keep-alive\r\n\r\n"
            try connection.send(request)
            let response = try connection.response()
            #expect(response.status == row.status)
            #expect(response.text == row.body)
            #expect(response.header("transfer-encoding") == row.transferEncoding)
            if row.keptOpen {
                try connection.send(request)
                #expect(try connection.response().text == row.body)
            } else {
                #expect(try connection.isClosedByPeer())
            }
        }
    }

    /// An HTTP/2 client gets the data alone, whatever the endpoint's framing: response →
    /// status and body as curl reads them.
    @Test(.enabled(if: NetworkNamespace.which("curl") != nil, "needs curl"), arguments: [
        ("chunked", "200", "hello world"), ("until-close", "200", "until close"), ("bad-length", "502", "502 Bad Gateway\n"),
    ])
    func anHTTP2ClientGetsTheData(_ response: String, _ status: String, _ body: String) async throws {
        try await IngressHarness.with(ingressYAML: Self.ingress, services: ["live": 1], https: true) { harness in
            let port = try #require(harness.proxy.httpsPort)
            let result = try Command.run([
                "curl", "-sk", "--max-time", "10", "--http2", "-w", "|%{http_version} %{http_code}",
                "https://127.0.0.1:\(port)/raw/\(response)",
            ])
            #expect(result.status == 0, "\(result.stderr)")
            #expect(result.stdout == body + "|2 " + status)
        }
    }
}
