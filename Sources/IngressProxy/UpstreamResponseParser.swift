import NIOCore
import NIOHTTP1

/// Reads an endpoint's responses from the bytes of its connection: the head, then the
/// body in pieces as they come, then the end.
///
/// A body's pieces are slices of what was read, not copies. With ``keepsChunkFraming``
/// (the client speaks HTTP/1.1 too) a chunked body's pieces keep their framing and go to
/// the client as they came; without it they are the data alone, for a client that frames
/// the body its own way (HTTP/2) or not at all (HTTP/1.0).
struct UpstreamResponseParser {
    /// What one call of ``next(_:)`` read.
    enum Event {
        case head(UpstreamResponseHead)
        case body(ByteBuffer)
        /// The response's end, with its trailers when the body was chunked and its framing
        /// is not kept.
        case end(HTTPHeaders?)
    }

    private enum State: Equatable {
        /// No request sent: any byte is one too many.
        case idle
        case head
        case contentLength(remaining: Int)
        case chunkSize
        case chunkData(remaining: Int)
        case chunkDataEnd
        case trailers
        case untilClose
        /// The body was read; the end is reported next.
        case done
        /// A `101` was read: what follows belongs to the tunnel.
        case upgraded
    }

    /// The most bytes a head may take.
    let maxHeadBytes: Int
    private var state = State.idle
    private var requestIsHEAD = false
    /// Whether a chunked body's pieces keep their framing (see the type's description).
    var keepsChunkFraming = true
    private var trailers: HTTPHeaders?

    init(maxHeadBytes: Int) {
        self.maxHeadBytes = maxHeadBytes
    }

    /// Whether a response is under way (a request was sent and its end not yet read).
    var isReading: Bool { state != .idle && state != .upgraded }

    /// A request went out: its response comes next. `HEAD`: the response has no body
    /// whatever its head says.
    mutating func expectResponse(toHEAD: Bool) {
        state = .head
        requestIsHEAD = toHEAD
        keepsChunkFraming = true
        trailers = nil
    }

    /// Reads the next event from the front of `buffer`, or `nil` when `buffer` holds
    /// none complete (what is left of it is read again with more bytes behind it).
    mutating func next(_ buffer: inout ByteBuffer) throws(UpstreamResponseError) -> Event? {
        switch state {
        case .idle:
            if buffer.readableBytes > 0 { throw .unsolicitedBytes }
            return nil
        case .head:
            return try head(&buffer).map(Event.head)
        case .contentLength(let remaining):
            guard buffer.readableBytes > 0 else { return nil }
            let length = min(remaining, buffer.readableBytes)
            state = length == remaining ? .done : .contentLength(remaining: remaining - length)
            return buffer.readSlice(length: length).map(Event.body)
        case .chunkSize, .chunkData, .chunkDataEnd, .trailers:
            return try chunked(&buffer)
        case .untilClose:
            guard buffer.readableBytes > 0 else { return nil }
            return buffer.readSlice(length: buffer.readableBytes).map(Event.body)
        case .done:
            state = .idle
            return .end(trailers)
        case .upgraded:
            return nil
        }
    }

    /// The connection closed: the end of a body that lasts until then, else a response
    /// cut short (`nil` when none was under way).
    mutating func endOfInput() throws(UpstreamResponseError) -> Event? {
        switch state {
        case .untilClose:
            state = .idle
            return .end(nil)
        case .idle, .upgraded:
            return nil
        case .done:
            state = .idle
            return .end(trailers)
        default:
            throw .endedEarly
        }
    }

    // MARK: - Head

    /// Reads a head once all of it is in `buffer`; interim `1xx` heads (but `101`) are
    /// read past, as nginx reads past them.
    private mutating func head(_ buffer: inout ByteBuffer) throws(UpstreamResponseError) -> UpstreamResponseHead? {
        while let length = try headLength(buffer) {
            let bytes = buffer.readSlice(length: length)!
            let head = try Self.parseHead(bytes, requestIsHEAD: requestIsHEAD)
            if head.status.code >= 100, head.status.code < 200, head.status != .switchingProtocols { continue }
            switch head.framing {
            case .none: state = head.status == .switchingProtocols ? .upgraded : .done
            case .contentLength(let length): state = length == 0 ? .done : .contentLength(remaining: length)
            case .chunked: state = .chunkSize
            case .untilClose: state = .untilClose
            }
            return head
        }
        return nil
    }

    /// The length of the head at the front of `buffer` (through its empty line), or `nil`
    /// when it has not all come.
    private func headLength(_ buffer: ByteBuffer) throws(UpstreamResponseError) -> Int? {
        let view = buffer.readableBytesView
        var position = view.startIndex
        while let lineFeed = view[position...].firstIndex(of: UInt8(ascii: "\n")) {
            let emptyLine = lineFeed == position || (lineFeed == position + 1 && view[position] == UInt8(ascii: "\r"))
            if emptyLine {
                // An empty line first is no status line.
                guard position > view.startIndex else { throw .malformedStatusLine }
                return lineFeed + 1 - view.startIndex
            }
            position = lineFeed + 1
            if position - view.startIndex > maxHeadBytes { throw .headTooLarge }
        }
        if view.count > maxHeadBytes { throw .headTooLarge }
        return nil
    }

    private static let http1Prefix = Array("HTTP/1.".utf8)
    private static let contentLength = Array("content-length".utf8)
    private static let transferEncoding = Array("transfer-encoding".utf8)
    private static let connection = Array("connection".utf8)
    private static let chunked = Array("chunked".utf8)
    private static let close = Array("close".utf8)
    private static let keepAlive = Array("keep-alive".utf8)
    private static let hopByHop = ForwardedHeaders.hopByHop.map { Array($0.utf8) }

    /// Parses a whole head (status line, header lines, empty line).
    static func parseHead(_ bytes: ByteBuffer, requestIsHEAD: Bool) throws(UpstreamResponseError) -> UpstreamResponseHead {
        let view = bytes.readableBytesView
        let start = view.startIndex
        guard let statusLineEnd = view.firstIndex(of: UInt8(ascii: "\n")), statusLineEnd - start >= 12,
              view[start..<start + 7].elementsEqual(http1Prefix),
              let minor = digit(view[start + 7]), minor <= 1, view[start + 8] == UInt8(ascii: " "),
              let hundreds = digit(view[start + 9]), let tens = digit(view[start + 10]), let ones = digit(view[start + 11]),
              hundreds >= 1
        else { throw .malformedStatusLine }
        var reasonEnd = statusLineEnd
        if view[reasonEnd - 1] == UInt8(ascii: "\r") { reasonEnd -= 1 }
        let reasonStart = min(start + 13, reasonEnd)
        guard start + 12 == reasonEnd || view[start + 12] == UInt8(ascii: " ") else { throw .malformedStatusLine }
        let code = hundreds * 100 + tens * 10 + ones
        let fieldsStart = statusLineEnd + 1
        let fieldsEnd = view[..<(view.endIndex - 1)].lastIndex(of: UInt8(ascii: "\n")).map { $0 + 1 } ?? fieldsStart
        let version = HTTPVersion(major: 1, minor: minor)
        var fields = try readFields(bytes, from: fieldsStart, to: max(fieldsStart, fieldsEnd), version: version)

        let status = HTTPResponseStatus(statusCode: code,
                                        reasonPhrase: bytes.getString(at: reasonStart, length: reasonEnd - reasonStart) ?? "")
        let framing: UpstreamBodyFraming
        if requestIsHEAD || code == 204 || code == 304 || code < 200 {
            framing = .none
        } else if fields.chunked {
            framing = .chunked
        } else if let length = fields.contentLength {
            framing = .contentLength(length)
        } else {
            framing = .untilClose
            fields.keepAlive = false
        }
        return UpstreamResponseHead(version: version, status: status, bytes: bytes, fieldsStart: fieldsStart,
                                    fieldsEnd: max(fieldsStart, fieldsEnd), reason: reasonStart..<reasonEnd, framing: framing,
                                    keepAlive: fields.keepAlive, hopByHopLines: fields.hopByHopLines,
                                    onlyKeepAlive: fields.onlyKeepAlive)
    }

    /// What the header lines say about framing and the connection.
    private struct Fields {
        var contentLength: Int?
        var chunked = false
        var keepAlive: Bool
        var hopByHopLines: [Range<Int>] = []
        var onlyKeepAlive = false
    }

    private static func readFields(_ bytes: ByteBuffer, from start: Int, to end: Int,
                                   version: HTTPVersion) throws(UpstreamResponseError) -> Fields {
        let view = bytes.readableBytesView
        var fields = Fields(keepAlive: version.minor >= 1)
        var saysClose = false
        var saysKeepAlive = false
        var nominates = false
        var lines = UpstreamHeaderLines(view, from: start, to: end)
        while let line = lines.next() {
            guard line.isWellFormed else { throw .malformedHeaderLine }
            if HTTPToken.matches(view, line.name, contentLength) {
                guard !line.value.isEmpty, line.value.count <= 18, view[line.value].allSatisfy({ digit($0) != nil })
                else { throw .badContentLength }
                let length = view[line.value].reduce(0) { $0 * 10 + Int($1 - UInt8(ascii: "0")) }
                if let earlier = fields.contentLength, earlier != length { throw .badContentLength }
                fields.contentLength = length
            } else if HTTPToken.matches(view, line.name, transferEncoding) {
                guard !fields.chunked, HTTPToken.matches(view, line.value, chunked) else { throw .unsupportedTransferEncoding }
                fields.chunked = true
            } else if HTTPToken.matches(view, line.name, connection) {
                fields.hopByHopLines.append(line.whole)
                forEachToken(view, line.value) { token in
                    if HTTPToken.matches(view, token, close) {
                        saysClose = true
                    } else if HTTPToken.matches(view, token, keepAlive) {
                        saysKeepAlive = true
                    } else {
                        nominates = true
                    }
                }
            } else if hopByHop.contains(where: { HTTPToken.matches(view, line.name, $0) }) {
                fields.hopByHopLines.append(line.whole)
            }
        }
        if fields.chunked, fields.contentLength != nil { throw .conflictingFraming }
        fields.keepAlive = !saysClose && (fields.keepAlive || saysKeepAlive)
        fields.onlyKeepAlive = fields.hopByHopLines.count == 1 && saysKeepAlive && !saysClose && !nominates
        if nominates { fields.hopByHopLines = nominatedLines(bytes, from: start, to: end, adding: fields.hopByHopLines) }
        return fields
    }

    /// `lines` and the lines of the headers a `Connection` header names (read again:
    /// the names may come before the `Connection` line).
    private static func nominatedLines(_ bytes: ByteBuffer, from start: Int, to end: Int,
                                       adding lines: [Range<Int>]) -> [Range<Int>] {
        let view = bytes.readableBytesView
        var names: [[UInt8]] = []
        var all = UpstreamHeaderLines(view, from: start, to: end)
        while let line = all.next() {
            guard HTTPToken.matches(view, line.name, connection) else { continue }
            forEachToken(view, line.value) { token in names.append(view[token].map(HTTPToken.lowercased)) }
        }
        var result = lines
        all = UpstreamHeaderLines(view, from: start, to: end)
        while let line = all.next() {
            if !result.contains(line.whole), names.contains(where: { HTTPToken.matches(view, line.name, $0) }) {
                result.append(line.whole)
            }
        }
        return result
    }

    /// Calls `body` with each comma-separated token of `range`, spaces around it left out.
    private static func forEachToken(_ view: ByteBufferView, _ range: Range<Int>, _ body: (Range<Int>) -> Void) {
        var tokenStart = range.lowerBound
        for index in range.lowerBound...range.upperBound where index == range.upperBound || view[index] == UInt8(ascii: ",") {
            var lower = tokenStart
            var upper = index
            while lower < upper, view[lower] == UInt8(ascii: " ") || view[lower] == UInt8(ascii: "\t") { lower += 1 }
            while upper > lower, view[upper - 1] == UInt8(ascii: " ") || view[upper - 1] == UInt8(ascii: "\t") { upper -= 1 }
            if lower < upper { body(lower..<upper) }
            tokenStart = index + 1
        }
    }

    private static func digit(_ byte: UInt8) -> Int? {
        byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") ? Int(byte - UInt8(ascii: "0")) : nil
    }

    // MARK: - Chunked bodies

    /// Reads chunked framing and data from the front of `buffer`.
    private mutating func chunked(_ buffer: inout ByteBuffer) throws(UpstreamResponseError) -> Event? {
        let view = buffer.readableBytesView
        let start = view.startIndex
        var position = start
        var data: Range<Int>?
        while position < view.endIndex, data == nil, state != .done {
            guard let next = try chunkStep(view, from: position, data: &data) else { break }
            position = next
        }
        guard position > start else { return nil }
        if keepsChunkFraming {
            return buffer.readSlice(length: position - start).map(Event.body)
        }
        // The data's slice is taken while it is still among the readable bytes.
        let slice = data.flatMap { buffer.getSlice(at: $0.lowerBound, length: $0.count) }
        buffer.moveReaderIndex(forwardBy: position - start)
        if let slice { return .body(slice) }
        return state == .done ? try next(&buffer) : nil
    }

    /// One step through chunked framing from `position`: where the next step starts, or
    /// `nil` when the bytes for this one have not all come. A step over data sets `data`
    /// when the framing is not kept.
    private mutating func chunkStep(_ view: ByteBufferView, from position: Int,
                                    data: inout Range<Int>?) throws(UpstreamResponseError) -> Int? {
        switch state {
        case .chunkSize:
            guard let lineFeed = view[position...].firstIndex(of: UInt8(ascii: "\n")) else {
                if view.endIndex - position > 1024 { throw .malformedChunk }
                return nil
            }
            let size = try Self.chunkSize(view, position..<lineFeed)
            state = size == 0 ? .trailers : .chunkData(remaining: size)
            return lineFeed + 1
        case .chunkData(let remaining):
            let length = min(remaining, view.endIndex - position)
            state = length == remaining ? .chunkDataEnd : .chunkData(remaining: remaining - length)
            if !keepsChunkFraming { data = position..<position + length }
            return position + length
        case .chunkDataEnd:
            if view[position] == UInt8(ascii: "\n") {
                state = .chunkSize
                return position + 1
            }
            guard view[position] == UInt8(ascii: "\r") else { throw .malformedChunk }
            guard position + 1 < view.endIndex else { return nil }
            guard view[position + 1] == UInt8(ascii: "\n") else { throw .malformedChunk }
            state = .chunkSize
            return position + 2
        case .trailers:
            guard let lineFeed = view[position...].firstIndex(of: UInt8(ascii: "\n")) else {
                if view.endIndex - position > maxHeadBytes { throw .headTooLarge }
                return nil
            }
            let lineEnd = lineFeed > position && view[lineFeed - 1] == UInt8(ascii: "\r") ? lineFeed - 1 : lineFeed
            if lineEnd == position {
                state = .done
            } else if !keepsChunkFraming {
                try addTrailer(view, position..<lineFeed + 1)
            }
            return lineFeed + 1
        default:
            return nil
        }
    }

    /// A chunk's size from its size line (hex digits, then extensions, which are ignored).
    private static func chunkSize(_ view: ByteBufferView, _ line: Range<Int>) throws(UpstreamResponseError) -> Int {
        var size = 0
        var digits = 0
        for byte in view[line] {
            let value: Int
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): value = Int(byte - UInt8(ascii: "0"))
            case UInt8(ascii: "a")...UInt8(ascii: "f"): value = Int(byte - UInt8(ascii: "a")) + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): value = Int(byte - UInt8(ascii: "A")) + 10
            case UInt8(ascii: ";"), UInt8(ascii: " "), UInt8(ascii: "\t"), UInt8(ascii: "\r"):
                guard digits > 0 else { throw .malformedChunk }
                return size
            default:
                throw .malformedChunk
            }
            digits += 1
            guard digits <= 15 else { throw .malformedChunk }
            size = size * 16 + value
        }
        guard digits > 0 else { throw .malformedChunk }
        return size
    }

    private mutating func addTrailer(_ view: ByteBufferView, _ lineRange: Range<Int>) throws(UpstreamResponseError) {
        var lines = UpstreamHeaderLines(view, from: lineRange.lowerBound, to: lineRange.upperBound)
        guard let line = lines.next(), line.isWellFormed else { throw .malformedHeaderLine }
        trailers = trailers ?? HTTPHeaders()
        trailers?.add(name: String(decoding: view[line.name], as: UTF8.self),
                      value: String(decoding: view[line.value], as: UTF8.self))
    }
}
