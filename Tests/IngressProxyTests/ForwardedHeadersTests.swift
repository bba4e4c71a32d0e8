@testable import IngressProxy
import NIOHTTP1
import Testing

/// The header rewriting alone, as behaviour tables: the headers a client or an endpoint
/// sent → the headers that go on (names compared without case, order kept).
@Suite struct ForwardedHeadersTests {
    static let origin = ForwardedHeaders.Origin(clientAddress: "192.0.2.7", scheme: "https", port: "443")
    static let forwarding = [
        "X-Real-IP: 192.0.2.7", "X-Forwarded-For: 192.0.2.7", "X-Forwarded-Host: shop.example", "X-Forwarded-Port: 443",
        "X-Forwarded-Proto: https", "X-Scheme: https",
    ]

    struct RequestRow: Sendable, CustomTestStringConvertible {
        var testDescription: String
        var sent: [String]
        var forwarded: [String]
    }

    static let requestRows = [
        RequestRow(testDescription: "nothing to drop", sent: ["Host: shop.example", "Accept: */*"],
                   forwarded: ["Host: shop.example", "Accept: */*"] + forwarding),
        RequestRow(testDescription: "hop-by-hop in any case",
                   sent: ["Host: shop.example", "CONNECTION: Keep-Alive", "keep-ALIVE: 5", "TE: trailers", "Accept: */*"],
                   forwarded: ["Host: shop.example", "Accept: */*"] + forwarding),
        RequestRow(testDescription: "headers Connection names",
                   sent: ["Host: shop.example", "Connection: close, x-SECRET", "X-Secret: 1", "X-Secrets: 2"],
                   forwarded: ["Host: shop.example", "X-Secrets: 2"] + forwarding),
        RequestRow(testDescription: "the client's own forwarding headers",
                   sent: ["Host: shop.example", "X-Forwarded-For: 203.0.113.9", "x-real-ip: 203.0.113.9", "Expect: 100-continue"],
                   forwarded: ["Host: shop.example"] + forwarding),
        RequestRow(testDescription: "a WebSocket handshake",
                   sent: ["Host: shop.example", "Connection: Upgrade", "Upgrade: websocket", "Sec-WebSocket-Version: 13"],
                   forwarded: ["Host: shop.example", "Sec-WebSocket-Version: 13", "Upgrade: websocket", "Connection: upgrade"]
                       + forwarding),
    ]

    @Test(arguments: requestRows)
    func request(_ row: RequestRow) {
        let head = HTTPRequestHead(version: .http1_0, method: .GET, uri: "/", headers: Self.headers(row.sent))
        let forwarded = ForwardedHeaders.request(head, upgrade: ForwardedHeaders.webSocketUpgrade(head.headers), from: Self.origin)
        #expect(Self.lines(forwarded.headers) == row.forwarded)
        #expect(forwarded.version == .http1_1)
    }

    struct ResponseRow: Sendable, CustomTestStringConvertible {
        var testDescription: String
        var status: HTTPResponseStatus = .ok
        var sent: [String]
        var clientVersion = HTTPVersion.http1_1
        var keepAlive = true
        var returned: [String]
    }

    static let responseRows = [
        ResponseRow(testDescription: "nothing to drop", sent: ["Server: e", "Content-Length: 2"],
                    returned: ["Server: e", "Content-Length: 2"]),
        ResponseRow(testDescription: "hop-by-hop dropped", sent: ["Connection: keep-alive", "Keep-Alive: timeout=5", "Server: e"],
                    returned: ["Server: e"]),
        ResponseRow(testDescription: "only keep-alive: as it came", sent: ["Server: e", "Connection: Keep-Alive", "Content-Length: 2"],
                    returned: ["Server: e", "Connection: Keep-Alive", "Content-Length: 2"]),
        ResponseRow(testDescription: "keep-alive, but the client's closes", sent: ["Connection: keep-alive", "Server: e"],
                    keepAlive: false, returned: ["Server: e", "Connection: close"]),
        ResponseRow(testDescription: "an HTTP/1.0 client, nothing said", sent: ["Server: e"], clientVersion: .http1_0,
                    returned: ["Server: e", "Connection: keep-alive"]),
        ResponseRow(testDescription: "close from the endpoint", sent: ["Connection: close", "Server: e"],
                    returned: ["Server: e"]),
        ResponseRow(testDescription: "headers Connection names", sent: ["Connection: X-Hop", "x-hop: 1", "Server: e"],
                    returned: ["Server: e"]),
        ResponseRow(testDescription: "the client's connection closes", sent: ["Server: e"], keepAlive: false,
                    returned: ["Server: e", "Connection: close"]),
        ResponseRow(testDescription: "an HTTP/1.0 client kept alive", sent: ["Connection: keep-alive", "Server: e"],
                    clientVersion: .http1_0, returned: ["Connection: keep-alive", "Server: e"]),
        ResponseRow(testDescription: "101 keeps its upgrade", status: .switchingProtocols,
                    sent: ["Connection: Upgrade", "Upgrade: websocket"], returned: ["Connection: Upgrade", "Upgrade: websocket"]),
    ]

    @Test(arguments: responseRows)
    func response(_ row: ResponseRow) {
        let head = HTTPResponseHead(version: .http1_1, status: row.status, headers: Self.headers(row.sent))
        let returned = ForwardedHeaders.response(head, clientVersion: row.clientVersion, keepAlive: row.keepAlive)
        #expect(Self.lines(returned.headers) == row.returned)
        #expect(returned.version == row.clientVersion)
    }

    static func headers(_ lines: [String]) -> HTTPHeaders {
        HTTPHeaders(lines.map { line in
            let colon = line.firstIndex(of: ":")!
            return (String(line[..<colon]), String(line[line.index(colon, offsetBy: 2)...]))
        })
    }

    static func lines(_ headers: HTTPHeaders) -> [String] {
        headers.map { "\($0.name): \($0.value)" }
    }
}
