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
        let bytes = buffer.readableBytesUInt8Span
        var position = 0
        while let lineFeed = UpstreamHeaderLines.firstLineFeed(in: bytes, from: position, to: bytes.count) {
            let emptyLine = lineFeed == position || (lineFeed == position + 1 && bytes[position] == UInt8(ascii: "\r"))
            if emptyLine {
                // An empty line first is no status line.
                guard position > 0 else { throw .malformedStatusLine }
                return lineFeed + 1
            }
            position = lineFeed + 1
            if position > maxHeadBytes { throw .headTooLarge }
        }
        if bytes.count > maxHeadBytes { throw .headTooLarge }
        return nil
    }

    private static let http1Prefix = Array("HTTP/1.".utf8)
    private static let contentLength = Array("content-length".utf8)
    static let transferEncoding = Array("transfer-encoding".utf8)
    private static let connection = Array("connection".utf8)
    private static let chunked = Array("chunked".utf8)
    private static let close = Array("close".utf8)
    private static let keepAlive = Array("keep-alive".utf8)
    private static let hopByHop = ForwardedHeaders.hopByHop.map { Array($0.utf8) }

    /// Parses a whole head (status line, header lines, empty line).
    static func parseHead(_ head: ByteBuffer, requestIsHEAD: Bool) throws(UpstreamResponseError) -> UpstreamResponseHead {
        let bytes = head.readableBytesUInt8Span
        guard let statusLineEnd = UpstreamHeaderLines.firstLineFeed(in: bytes, from: 0, to: bytes.count), statusLineEnd >= 12,
              matches(bytes, http1Prefix), let minor = digit(bytes[7]), minor <= 1, bytes[8] == UInt8(ascii: " "),
              let hundreds = digit(bytes[9]), let tens = digit(bytes[10]), let ones = digit(bytes[11]), hundreds >= 1
        else { throw .malformedStatusLine }
        var reasonEnd = statusLineEnd
        if bytes[reasonEnd - 1] == UInt8(ascii: "\r") { reasonEnd -= 1 }
        guard reasonEnd == 12 || bytes[12] == UInt8(ascii: " ") else { throw .malformedStatusLine }
        let reasonStart = min(13, reasonEnd)
        let code = hundreds * 100 + tens * 10 + ones
        let fieldsStart = statusLineEnd + 1
        // The empty line's start: after the last line feed before the one that ends it.
        var fieldsEnd = bytes.count - 1
        while fieldsEnd > fieldsStart, bytes[fieldsEnd - 1] != UInt8(ascii: "\n") { fieldsEnd -= 1 }
        fieldsEnd = max(fieldsStart, fieldsEnd)
        let version = HTTPVersion(major: 1, minor: minor)
        var fields = try readFields(bytes, from: fieldsStart, to: fieldsEnd, version: version)

        let reason = head.getString(at: head.readerIndex + reasonStart, length: reasonEnd - reasonStart) ?? ""
        let status = HTTPResponseStatus(statusCode: code, reasonPhrase: reason)
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
        return UpstreamResponseHead(version: version, status: status, bytes: head, fieldsStart: fieldsStart,
                                    fieldsEnd: fieldsEnd, reason: reasonStart..<reasonEnd, framing: framing,
                                    keepAlive: fields.keepAlive, hopByHopLines: fields.hopByHopLines,
                                    onlyKeepAlive: fields.onlyKeepAlive)
    }

    /// Whether `bytes` start with `prefix`.
    private static func matches(_ bytes: Span<UInt8>, _ prefix: [UInt8]) -> Bool {
        guard bytes.count >= prefix.count else { return false }
        for index in prefix.indices where bytes[index] != prefix[index] { return false }
        return true
    }

    /// What the header lines say about framing and the connection.
    private struct Fields {
        var contentLength: Int?
        var chunked = false
        var keepAlive: Bool
        var hopByHopLines = ShortList<Range<Int>>()
        var onlyKeepAlive = false
        var saysClose = false
        var saysKeepAlive = false
        /// Whether a `Connection` header names other headers.
        var nominates = false
    }

    private static func readFields(_ bytes: Span<UInt8>, from start: Int, to end: Int,
                                   version: HTTPVersion) throws(UpstreamResponseError) -> Fields {
        var fields = Fields(keepAlive: version.minor >= 1)
        try UpstreamHeaderLines.forEach(in: bytes, from: start, to: end) { (line) throws(UpstreamResponseError) in
            guard line.isWellFormed else { throw .malformedHeaderLine }
            try read(line, of: bytes, into: &fields)
        }
        if fields.chunked, fields.contentLength != nil { throw .conflictingFraming }
        fields.keepAlive = !fields.saysClose && (fields.keepAlive || fields.saysKeepAlive)
        fields.onlyKeepAlive = fields.hopByHopLines.count == 1 && fields.saysKeepAlive && !fields.saysClose && !fields.nominates
        if fields.nominates {
            fields.hopByHopLines = nominatedLines(bytes, from: start, to: end, adding: fields.hopByHopLines)
        }
        return fields
    }

    /// Notes what one header line says.
    private static func read(_ line: UpstreamHeaderLines.Line, of bytes: Span<UInt8>,
                             into fields: inout Fields) throws(UpstreamResponseError) {
        if HTTPToken.matches(bytes, line.name, contentLength) {
            guard !line.value.isEmpty, line.value.count <= 18 else { throw .badContentLength }
            var length = 0
            for index in line.value {
                guard let value = digit(bytes[index]) else { throw .badContentLength }
                length = length * 10 + value
            }
            if let earlier = fields.contentLength, earlier != length { throw .badContentLength }
            fields.contentLength = length
        } else if HTTPToken.matches(bytes, line.name, transferEncoding) {
            guard !fields.chunked, HTTPToken.matches(bytes, line.value, chunked) else { throw .unsupportedTransferEncoding }
            fields.chunked = true
        } else if HTTPToken.matches(bytes, line.name, connection) {
            fields.hopByHopLines.append(line.whole)
            forEachToken(bytes, line.value) { token in
                if HTTPToken.matches(bytes, token, close) {
                    fields.saysClose = true
                } else if HTTPToken.matches(bytes, token, keepAlive) {
                    fields.saysKeepAlive = true
                } else {
                    fields.nominates = true
                }
            }
        } else if hopByHop.contains(where: { HTTPToken.matches(bytes, line.name, $0) }) {
            fields.hopByHopLines.append(line.whole)
        }
    }

    /// `lines` and the lines of the headers a `Connection` header names (read again:
    /// the names may come before the `Connection` line).
    private static func nominatedLines(_ bytes: Span<UInt8>, from start: Int, to end: Int,
                                       adding lines: ShortList<Range<Int>>) -> ShortList<Range<Int>> {
        var names: [[UInt8]] = []
        UpstreamHeaderLines.forEach(in: bytes, from: start, to: end) { line in
            guard HTTPToken.matches(bytes, line.name, connection) else { return }
            forEachToken(bytes, line.value) { token in names.append(token.map { HTTPToken.lowercased(bytes[$0]) }) }
        }
        var result = lines
        UpstreamHeaderLines.forEach(in: bytes, from: start, to: end) { line in
            if !result.contains(line.whole), names.contains(where: { HTTPToken.matches(bytes, line.name, $0) }) {
                result.append(line.whole)
            }
        }
        return result
    }

    /// Calls `body` with each comma-separated token of `range`, spaces around it left out.
    private static func forEachToken(_ bytes: Span<UInt8>, _ range: Range<Int>, _ body: (Range<Int>) -> Void) {
        var tokenStart = range.lowerBound
        for index in range.lowerBound...range.upperBound where index == range.upperBound || bytes[index] == UInt8(ascii: ",") {
            var lower = tokenStart
            var upper = index
            while lower < upper, UpstreamHeaderLines.isSpace(bytes[lower]) { lower += 1 }
            while upper > lower, UpstreamHeaderLines.isSpace(bytes[upper - 1]) { upper -= 1 }
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
        var position = 0
        var data: Range<Int>?
        do {
            let bytes = buffer.readableBytesUInt8Span
            while position < bytes.count, data == nil, state != .done {
                guard let next = try chunkStep(bytes, from: position, data: &data) else { break }
                position = next
            }
        }
        guard position > 0 else { return nil }
        if keepsChunkFraming {
            return buffer.readSlice(length: position).map(Event.body)
        }
        // The data's slice is taken while it is still among the readable bytes.
        let slice = data.flatMap { buffer.getSlice(at: buffer.readerIndex + $0.lowerBound, length: $0.count) }
        buffer.moveReaderIndex(forwardBy: position)
        if let slice { return .body(slice) }
        return state == .done ? try next(&buffer) : nil
    }

    /// One step through chunked framing from `position`: where the next step starts, or
    /// `nil` when the bytes for this one have not all come. A step over data sets `data`
    /// when the framing is not kept.
    private mutating func chunkStep(_ bytes: Span<UInt8>, from position: Int,
                                    data: inout Range<Int>?) throws(UpstreamResponseError) -> Int? {
        switch state {
        case .chunkSize:
            guard let lineFeed = UpstreamHeaderLines.firstLineFeed(in: bytes, from: position, to: bytes.count) else {
                if bytes.count - position > 1024 { throw .malformedChunk }
                return nil
            }
            let size = try Self.chunkSize(bytes, position..<lineFeed)
            state = size == 0 ? .trailers : .chunkData(remaining: size)
            return lineFeed + 1
        case .chunkData(let remaining):
            let length = min(remaining, bytes.count - position)
            state = length == remaining ? .chunkDataEnd : .chunkData(remaining: remaining - length)
            if !keepsChunkFraming { data = position..<position + length }
            return position + length
        case .chunkDataEnd:
            if bytes[position] == UInt8(ascii: "\n") {
                state = .chunkSize
                return position + 1
            }
            guard bytes[position] == UInt8(ascii: "\r") else { throw .malformedChunk }
            guard position + 1 < bytes.count else { return nil }
            guard bytes[position + 1] == UInt8(ascii: "\n") else { throw .malformedChunk }
            state = .chunkSize
            return position + 2
        case .trailers:
            guard let lineFeed = UpstreamHeaderLines.firstLineFeed(in: bytes, from: position, to: bytes.count) else {
                if bytes.count - position > maxHeadBytes { throw .headTooLarge }
                return nil
            }
            let lineEnd = lineFeed > position && bytes[lineFeed - 1] == UInt8(ascii: "\r") ? lineFeed - 1 : lineFeed
            if lineEnd == position {
                state = .done
            } else if !keepsChunkFraming {
                try addTrailer(bytes, position..<lineFeed + 1)
            }
            return lineFeed + 1
        default:
            return nil
        }
    }

    /// A chunk's size from its size line (hex digits, then extensions, which are ignored).
    private static func chunkSize(_ bytes: Span<UInt8>, _ line: Range<Int>) throws(UpstreamResponseError) -> Int {
        var size = 0
        var digits = 0
        for index in line {
            let byte = bytes[index]
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

    private mutating func addTrailer(_ bytes: Span<UInt8>, _ lineRange: Range<Int>) throws(UpstreamResponseError) {
        var added = false
        var trailers = self.trailers ?? HTTPHeaders()
        try UpstreamHeaderLines.forEach(in: bytes, from: lineRange.lowerBound, to: lineRange.upperBound) {
            (line) throws(UpstreamResponseError) in
            guard line.isWellFormed else { throw .malformedHeaderLine }
            trailers.add(name: Self.string(bytes, line.name), value: Self.string(bytes, line.value))
            added = true
        }
        guard added else { throw .malformedHeaderLine }
        self.trailers = trailers
    }

    /// The text of `bytes[range]` (UTF-8).
    static func string(_ bytes: Span<UInt8>, _ range: Range<Int>) -> String {
        String(decoding: range.map { bytes[$0] }, as: UTF8.self)
    }
}
