@testable import IngressProxy
import NIOCore
import NIOHTTP1
import Testing

/// Reading an endpoint's response from its bytes, as behaviour tables: the bytes (fed
/// whole, cut in two at every place, and byte by byte) → what is read of them.
@Suite struct UpstreamResponseParserTests {
    /// What was read of one response.
    struct Outcome: Equatable, CustomStringConvertible {
        var status: UInt
        var framing: UpstreamBodyFraming
        var keepAlive: Bool
        var body: String
        var trailers: [String] = []

        var description: String { "\(status) \(framing) keepAlive=\(keepAlive) body=\(body.debugDescription) \(trailers)" }
    }

    struct Row: Sendable, CustomTestStringConvertible {
        var testDescription: String
        var bytes: String
        var toHEAD = false
        /// What a client that takes the framing as it came gets, and one that takes the data alone.
        var kept: Outcome
        var data: Outcome
    }

    static let chunked = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
    static let chunks = "5\r\nhello\r\n6;name=value\r\n world\r\n0\r\nX-Checksum: 1\r\n\r\n"

    static let rows = [
        Row(testDescription: "content-length",
            bytes: "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello",
            kept: Outcome(status: 200, framing: .contentLength(5), keepAlive: true, body: "hello"),
            data: Outcome(status: 200, framing: .contentLength(5), keepAlive: true, body: "hello")),
        Row(testDescription: "chunked, with trailers", bytes: chunked + chunks,
            kept: Outcome(status: 200, framing: .chunked, keepAlive: true, body: chunks),
            data: Outcome(status: 200, framing: .chunked, keepAlive: true, body: "hello world", trailers: ["X-Checksum: 1"])),
        Row(testDescription: "until close", bytes: "HTTP/1.0 200 OK\r\nServer: old\r\n\r\nbye",
            kept: Outcome(status: 200, framing: .untilClose, keepAlive: false, body: "bye"),
            data: Outcome(status: 200, framing: .untilClose, keepAlive: false, body: "bye")),
        Row(testDescription: "HTTP/1.0 kept alive", bytes: "HTTP/1.0 200 OK\r\nConnection: Keep-Alive\r\nContent-Length: 1\r\n\r\nx",
            kept: Outcome(status: 200, framing: .contentLength(1), keepAlive: true, body: "x"),
            data: Outcome(status: 200, framing: .contentLength(1), keepAlive: true, body: "x")),
        Row(testDescription: "close asked", bytes: "HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n",
            kept: Outcome(status: 404, framing: .contentLength(0), keepAlive: false, body: ""),
            data: Outcome(status: 404, framing: .contentLength(0), keepAlive: false, body: "")),
        Row(testDescription: "204 has no body", bytes: "HTTP/1.1 204 No Content\r\n\r\n",
            kept: Outcome(status: 204, framing: .none, keepAlive: true, body: ""),
            data: Outcome(status: 204, framing: .none, keepAlive: true, body: "")),
        Row(testDescription: "a HEAD request's", bytes: "HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\n", toHEAD: true,
            kept: Outcome(status: 200, framing: .none, keepAlive: true, body: ""),
            data: Outcome(status: 200, framing: .none, keepAlive: true, body: "")),
        Row(testDescription: "interim 100 read past",
            bytes: "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 201 Created\r\nContent-Length: 2\r\n\r\nok",
            kept: Outcome(status: 201, framing: .contentLength(2), keepAlive: true, body: "ok"),
            data: Outcome(status: 201, framing: .contentLength(2), keepAlive: true, body: "ok")),
        Row(testDescription: "bare line feeds", bytes: "HTTP/1.1 200\nContent-Length: 2\n\nok",
            kept: Outcome(status: 200, framing: .contentLength(2), keepAlive: true, body: "ok"),
            data: Outcome(status: 200, framing: .contentLength(2), keepAlive: true, body: "ok")),
    ]

    @Test(arguments: rows)
    func reads(_ row: Row) {
        let bytes = Array(row.bytes.utf8)
        for cuts in Self.cuttings(bytes.count) {
            for (keepFraming, expected) in [(true, row.kept), (false, row.data)] {
                do {
                    let outcome = try Self.read(bytes, cutAt: cuts, toHEAD: row.toHEAD, keepFraming: keepFraming)
                    #expect(outcome == expected, "cut at \(cuts), framing kept: \(keepFraming)")
                } catch {
                    Issue.record("\(error), cut at \(cuts), framing kept: \(keepFraming)")
                }
            }
        }
    }

    struct ErrorRow: Sendable, CustomTestStringConvertible {
        var testDescription: String
        var bytes: String
        var error: UpstreamResponseError
    }

    static let errorRows = [
        ErrorRow(testDescription: "length not a number", bytes: "HTTP/1.1 200 OK\r\nContent-Length: 5x\r\n\r\n",
                 error: .badContentLength),
        ErrorRow(testDescription: "two lengths", bytes: "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n",
                 error: .badContentLength),
        ErrorRow(testDescription: "gzip transfer", bytes: "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n",
                 error: .unsupportedTransferEncoding),
        ErrorRow(testDescription: "length and chunks",
                 bytes: "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n", error: .conflictingFraming),
        ErrorRow(testDescription: "not HTTP/1", bytes: "HTTP/2 200\r\n\r\n", error: .malformedStatusLine),
        ErrorRow(testDescription: "status not a number", bytes: "HTTP/1.1 2x0 OK\r\n\r\n", error: .malformedStatusLine),
        ErrorRow(testDescription: "line without a colon", bytes: "HTTP/1.1 200 OK\r\nbad line\r\n\r\n", error: .malformedHeaderLine),
        ErrorRow(testDescription: "folded line", bytes: "HTTP/1.1 200 OK\r\nA: b\r\n c: d\r\n\r\n", error: .malformedHeaderLine),
        ErrorRow(testDescription: "chunk size not hex", bytes: chunked + "zz\r\n", error: .malformedChunk),
        ErrorRow(testDescription: "chunk without its line end", bytes: chunked + "1\r\nab\r\n", error: .malformedChunk),
        ErrorRow(testDescription: "cut short", bytes: "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhel", error: .endedEarly),
        ErrorRow(testDescription: "more than its length",
                 bytes: "HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nxy", error: .unsolicitedBytes),
        ErrorRow(testDescription: "head too large",
                 bytes: "HTTP/1.1 200 OK\r\n" + String(repeating: "X-Filler: 0123456789\r\n", count: 100), error: .headTooLarge),
    ]

    @Test(arguments: errorRows)
    func refuses(_ row: ErrorRow) {
        #expect(throws: row.error) {
            _ = try Self.read(Array(row.bytes.utf8), cutAt: [], toHEAD: false, keepFraming: true, maxHeadBytes: 1024)
        }
    }

    /// Nothing read before a request went out, and nothing expected after its response.
    @Test func bytesNoRequestAskedFor() {
        var parser = UpstreamResponseParser(maxHeadBytes: 1024)
        var buffer = ByteBuffer(string: "HTTP/1.1 200 OK\r\n\r\n")
        #expect(throws: UpstreamResponseError.unsolicitedBytes) { try parser.next(&buffer) }
    }

    /// A `101` leaves what follows it for the tunnel.
    @Test func upgradeLeavesTheRest() throws {
        var parser = UpstreamResponseParser(maxHeadBytes: 1024)
        parser.expectResponse(toHEAD: false)
        var buffer = ByteBuffer(string: "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n\u{81}\u{01}x")
        guard case .head(let head)? = try parser.next(&buffer) else { Issue.record("no head"); return }
        #expect(head.status == .switchingProtocols && head.framing == .none)
        #expect(try parser.next(&buffer) == nil)
        #expect(String(buffer: buffer) == "\u{81}\u{01}x")
        #expect(!parser.isReading)
    }

    /// No cut, every cut in two, and (for short responses) a cut after every byte.
    static func cuttings(_ count: Int) -> [[Int]] {
        [[]] + (1..<count).map { [$0] } + [Array(1..<count)]
    }

    /// Feeds `bytes` in the pieces `cutAt` makes, as a connection's reads would bring them,
    /// keeping what was not read for the next piece; ends with the connection closing.
    static func read(_ bytes: [UInt8], cutAt cuts: [Int], toHEAD: Bool, keepFraming: Bool,
                     maxHeadBytes: Int = 64 * 1024) throws(UpstreamResponseError) -> Outcome {
        var parser = UpstreamResponseParser(maxHeadBytes: maxHeadBytes)
        parser.expectResponse(toHEAD: toHEAD)
        var outcome: Outcome?
        var ended = false
        var received = ByteBuffer()
        let bounds = [0] + cuts + [bytes.count]
        func take(_ event: UpstreamResponseParser.Event) {
            switch event {
            case .head(let head):
                outcome = Outcome(status: head.status.code, framing: head.framing, keepAlive: head.keepAlive, body: "")
                parser.keepsChunkFraming = keepFraming
            case .body(let buffer):
                outcome?.body += String(buffer: buffer)
            case .end(let trailers):
                outcome?.trailers = trailers.map { $0.map { "\($0.name): \($0.value)" } } ?? []
                ended = true
            }
        }
        for (start, end) in zip(bounds, bounds.dropFirst()) {
            received.writeBytes(bytes[start..<end])
            while let event = try parser.next(&received) { take(event) }
        }
        if !ended, let event = try parser.endOfInput() { take(event) }
        guard let outcome, ended else { throw .endedEarly }
        return outcome
    }
}
