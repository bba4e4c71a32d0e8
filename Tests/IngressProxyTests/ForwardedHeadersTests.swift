@testable import IngressProxy
import NIOCore
import NIOHTTP1
import Testing

/// The header rewriting alone, as behaviour tables: the headers a client or an endpoint
/// sent → the head that goes on, as the lines written (names compared without case,
/// order kept).
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
        RequestRow(testDescription: "a body of a given length",
                   sent: ["Host: shop.example", "Content-Length: 3", "Transfer-Encoding: chunked"],
                   forwarded: ["Host: shop.example", "Content-Length: 3"] + forwarding),
        RequestRow(testDescription: "a chunked body", sent: ["Host: shop.example", "Transfer-Encoding: Chunked"],
                   forwarded: ["Host: shop.example", "Transfer-Encoding: chunked"] + forwarding),
        RequestRow(testDescription: "a WebSocket handshake",
                   sent: ["Host: shop.example", "Connection: Upgrade", "Upgrade: websocket", "Sec-WebSocket-Version: 13"],
                   forwarded: ["Host: shop.example", "Sec-WebSocket-Version: 13", "Upgrade: websocket", "Connection: upgrade"]
                       + forwarding),
    ]

    @Test(arguments: requestRows)
    func request(_ row: RequestRow) {
        let head = HTTPRequestHead(version: .http1_0, method: .GET, uri: "/a?b", headers: Self.headers(row.sent))
        var buffer = ByteBuffer()
        _ = ForwardedHeaders.writeRequest(head, upgrade: ForwardedHeaders.webSocketUpgrade(head.headers), from: Self.origin,
                                          into: &buffer)
        #expect(Self.lines(buffer) == ["GET /a?b HTTP/1.1"] + row.forwarded)
    }

    /// How a request's body is framed on the way to the endpoint: method and framing
    /// headers → framing (NIO's encoder's rules).
    @Test(arguments: [
        (HTTPMethod.GET, [String](), UpstreamRequestFraming.none),
        (.GET, ["Content-Length: 0"], .contentLength),
        (.GET, ["Transfer-Encoding: chunked"], .chunked),
        (.POST, [], .chunked),
        (.PUT, ["Content-Length: 5"], .contentLength),
        (.TRACE, ["Content-Length: 5"], .none),
    ])
    func requestFraming(_ method: HTTPMethod, _ sent: [String], _ framing: UpstreamRequestFraming) {
        let head = HTTPRequestHead(version: .http1_1, method: method, uri: "/", headers: Self.headers(sent))
        #expect(ForwardedHeaders.requestFraming(head) == framing)
    }

    struct ResponseRow: Sendable, CustomTestStringConvertible {
        var testDescription: String
        var status: HTTPResponseStatus = .ok
        var sent: [String]
        var clientVersion = HTTPVersion.http1_1
        var keepAlive = true
        var chunksBody = false
        var unchunksBody = false
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
        ResponseRow(testDescription: "a body until close, in chunks", sent: ["Server: e"], chunksBody: true,
                    returned: ["Server: e", "Transfer-Encoding: chunked"]),
        ResponseRow(testDescription: "chunks taken off for HTTP/1.0", sent: ["Transfer-Encoding: chunked", "Server: e"],
                    clientVersion: .http1_0, keepAlive: false, unchunksBody: true, returned: ["Server: e", "Connection: close"]),
    ]

    @Test(arguments: responseRows)
    func response(_ row: ResponseRow) throws {
        let text = "HTTP/1.1 \(row.status.code) \(row.status.reasonPhrase)\r\n" + row.sent.map { $0 + "\r\n" }.joined() + "\r\n"
        let head = try UpstreamResponseParser.parseHead(ByteBuffer(string: text), requestIsHEAD: false)
        var buffer = ByteBuffer()
        let client = ForwardedHeaders.ClientConnection(version: row.clientVersion, keepAlive: row.keepAlive,
                                                       chunksBody: row.chunksBody, unchunksBody: row.unchunksBody)
        ForwardedHeaders.writeResponse(head, to: client, into: &buffer)
        let version = row.clientVersion == .http1_0 ? "HTTP/1.0" : "HTTP/1.1"
        #expect(Self.lines(buffer) == ["\(version) \(row.status.code) \(row.status.reasonPhrase)"] + row.returned)
    }

    /// An HTTP/2 client gets the endpoint's fields less the hop-by-hop ones.
    @Test func responseForHTTP2() throws {
        let text = "HTTP/1.1 200 OK\r\nServer: e\r\nConnection: x-hop\r\nX-Hop: 1\r\nContent-Length: 0\r\n\r\n"
        let head = try UpstreamResponseParser.parseHead(ByteBuffer(string: text), requestIsHEAD: false)
        let returned = ForwardedHeaders.response(head)
        #expect(returned.headers.map { "\($0.name): \($0.value)" } == ["Server: e", "Content-Length: 0"])
    }

    static func headers(_ lines: [String]) -> HTTPHeaders {
        HTTPHeaders(lines.map { line in
            let colon = line.firstIndex(of: ":")!
            return (String(line[..<colon]), String(line[line.index(colon, offsetBy: 2)...]))
        })
    }

    /// The lines of a head written (through its empty line, which must end it).
    static func lines(_ buffer: ByteBuffer) -> [String] {
        let text = String(buffer: buffer)
        guard text.hasSuffix("\r\n\r\n") else { return ["(no empty line at the end) " + text] }
        return String(decoding: Array(text.utf8.dropLast(4)), as: UTF8.self).components(separatedBy: "\r\n")
    }
}
