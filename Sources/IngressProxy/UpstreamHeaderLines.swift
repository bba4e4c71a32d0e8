import NIOCore

/// The header lines of a head in a byte buffer, one after another: each line's bytes, its
/// name and its value (without the spaces around it). Lines end with CRLF or a bare LF.
struct UpstreamHeaderLines {
    /// One header line, as positions in the buffer.
    struct Line {
        /// The whole line with its line ending.
        var whole: Range<Int>
        var name: Range<Int>
        var value: Range<Int>
        /// Whether the line has a colon after a non-empty name of token characters and
        /// does not start with a space (an obsolete folded line).
        var isWellFormed: Bool
    }

    private let view: ByteBufferView
    private var position: Int
    private let end: Int

    /// The lines of `view` between its indices `start` and `end` (which ends after a line
    /// ending).
    init(_ view: ByteBufferView, from start: Int, to end: Int) {
        self.view = view
        position = start
        self.end = end
    }

    mutating func next() -> Line? {
        guard position < end, let lineFeed = view[position..<end].firstIndex(of: UInt8(ascii: "\n")) else { return nil }
        let start = position
        position = lineFeed + 1
        var contentEnd = lineFeed
        if contentEnd > start, view[contentEnd - 1] == UInt8(ascii: "\r") { contentEnd -= 1 }
        guard let colon = view[start..<contentEnd].firstIndex(of: UInt8(ascii: ":")) else {
            return Line(whole: start..<position, name: start..<contentEnd, value: contentEnd..<contentEnd, isWellFormed: false)
        }
        var valueStart = colon + 1
        var valueEnd = contentEnd
        while valueStart < valueEnd, Self.isSpace(view[valueStart]) { valueStart += 1 }
        while valueEnd > valueStart, Self.isSpace(view[valueEnd - 1]) { valueEnd -= 1 }
        let wellFormed = colon > start && view[start..<colon].allSatisfy(HTTPToken.isTokenByte)
        return Line(whole: start..<position, name: start..<colon, value: valueStart..<valueEnd, isWellFormed: wellFormed)
    }

    private static func isSpace(_ byte: UInt8) -> Bool {
        byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t")
    }
}
