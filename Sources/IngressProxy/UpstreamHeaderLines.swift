/// The header lines of a head, read from its bytes: each line's extent, its name and its
/// value (without the spaces around it). Lines end with CRLF or a bare LF.
///
/// Positions are offsets into the span the lines are read from.
enum UpstreamHeaderLines {
    /// One header line.
    struct Line {
        /// The whole line with its line ending.
        var whole: Range<Int>
        var name: Range<Int>
        var value: Range<Int>
        /// Whether the line has a colon after a non-empty name of token characters (so it
        /// does not start with a space, as an obsolete folded line does).
        var isWellFormed: Bool
    }

    /// Calls `body` with each line of `bytes[start..<end]` (`end` is just after a line ending).
    static func forEach<Failure: Error>(in bytes: Span<UInt8>, from start: Int, to end: Int,
                                        _ body: (Line) throws(Failure) -> Void) throws(Failure) {
        var position = start
        while position < end, let lineFeed = firstLineFeed(in: bytes, from: position, to: end) {
            try body(line(in: bytes, from: position, lineFeed: lineFeed))
            position = lineFeed + 1
        }
    }

    /// The offset of the first line feed in `bytes[start..<end]`.
    static func firstLineFeed(in bytes: Span<UInt8>, from start: Int, to end: Int) -> Int? {
        var index = start
        while index < end {
            if bytes[index] == UInt8(ascii: "\n") { return index }
            index += 1
        }
        return nil
    }

    private static func line(in bytes: Span<UInt8>, from start: Int, lineFeed: Int) -> Line {
        var contentEnd = lineFeed
        if contentEnd > start, bytes[contentEnd - 1] == UInt8(ascii: "\r") { contentEnd -= 1 }
        var colon = start
        var nameIsToken = true
        while colon < contentEnd, bytes[colon] != UInt8(ascii: ":") {
            nameIsToken = nameIsToken && HTTPToken.isTokenByte(bytes[colon])
            colon += 1
        }
        guard colon < contentEnd else {
            return Line(whole: start..<lineFeed + 1, name: start..<contentEnd, value: contentEnd..<contentEnd, isWellFormed: false)
        }
        var valueStart = colon + 1
        var valueEnd = contentEnd
        while valueStart < valueEnd, isSpace(bytes[valueStart]) { valueStart += 1 }
        while valueEnd > valueStart, isSpace(bytes[valueEnd - 1]) { valueEnd -= 1 }
        return Line(whole: start..<lineFeed + 1, name: start..<colon, value: valueStart..<valueEnd,
                    isWellFormed: colon > start && nameIsToken)
    }

    static func isSpace(_ byte: UInt8) -> Bool {
        byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t")
    }
}
