/// The cursor of one JSON parse over a byte buffer. The buffer outlives the scanner: it is
/// only used inside ``JSONReader/parse(_:)``'s `withUnsafeBufferPointer`.
struct JSONScanner {
    private let bytes: UnsafeBufferPointer<UInt8>
    private(set) var offset = 0
    private var line = 1
    private var lineStart = 0
    /// Deeper nesting than this is refused rather than risking the stack: the parse is
    /// recursive, and a task's thread has a small stack. API objects nest a few levels
    /// (managedFields' field sets perhaps twenty).
    static let maximumDepth = 100
    /// The top-level key whose array is not parsed but only delimited (see
    /// ``JSONReader/parse(_:deferringArrayAt:)``), and where its elements lie.
    private var deferredKey: String?
    private(set) var deferredElements: [JSONSpan]?

    init(_ bytes: UnsafeBufferPointer<UInt8>, deferringArrayAt key: String? = nil) {
        self.bytes = bytes
        deferredKey = key
    }

    /// A scanner placed at the start of `span`, read from the same input.
    init(_ bytes: UnsafeBufferPointer<UInt8>, at span: JSONSpan) {
        self.bytes = bytes
        offset = span.start
        line = span.line
        lineStart = span.lineStart
    }

    var atEnd: Bool { offset >= bytes.count }

    static func isSpace(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x0A || byte == 0x0D || byte == 0x09
    }

    mutating func skipSpace() {
        while offset < bytes.count {
            let byte = bytes[offset]
            guard Self.isSpace(byte) else { return }
            offset += 1
            if byte == 0x0A {
                line += 1
                lineStart = offset
            }
        }
    }

    func error(_ problem: String) -> JSONSyntaxError {
        JSONSyntaxError(line: line, column: offset - lineStart + 1, problem: problem)
    }

    func describeCurrent() -> String {
        guard offset < bytes.count else { return "end of input" }
        let byte = bytes[offset]
        return byte >= 0x20 && byte < 0x7F ? "'\(Character(Unicode.Scalar(byte)))'" : "byte 0x\(String(byte, radix: 16))"
    }

    /// One value, after any white space.
    mutating func value(depth: Int) throws(JSONSyntaxError) -> YAMLNode {
        skipSpace()
        guard depth < Self.maximumDepth else { throw error("nested more than \(Self.maximumDepth) levels deep") }
        guard offset < bytes.count else { throw error("unexpected end of input, expected a value") }
        let line = self.line
        let column = offset - lineStart + 1
        let content: YAMLNode.Content
        switch bytes[offset] {
        case UInt8(ascii: "{"): content = .mapping(try object(depth: depth))
        case UInt8(ascii: "["): content = .sequence(try array(depth: depth))
        case UInt8(ascii: "\""): content = .scalar(YAMLScalar(text: try string(), style: .doubleQuoted, tag: nil))
        case UInt8(ascii: "t"): content = try literal("true")
        case UInt8(ascii: "f"): content = try literal("false")
        case UInt8(ascii: "n"): content = try literal("null")
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): content = .scalar(YAMLScalar(text: try number(), style: .plain, tag: nil))
        default: throw error("unexpected \(describeCurrent()), expected a value")
        }
        return YAMLNode(content: content, line: line, column: column)
    }

    private mutating func object(depth: Int) throws(JSONSyntaxError) -> [YAMLMappingEntry] {
        var entries: [YAMLMappingEntry] = []
        if open(closing: UInt8(ascii: "}")) { return entries }
        while true {
            skipSpace()
            guard offset < bytes.count, bytes[offset] == UInt8(ascii: "\"") else {
                throw error("unexpected \(describeCurrent()), expected a quoted key")
            }
            let keyLine = line
            let key = try string()
            skipSpace()
            try expect(UInt8(ascii: ":"), "':' after a key")
            skipSpace()
            let value: YAMLNode
            if depth == 0, key == deferredKey, offset < bytes.count, bytes[offset] == UInt8(ascii: "[") {
                let (line, column) = (self.line, offset - lineStart + 1)
                deferredElements = try elementSpans(depth: depth + 2)
                value = YAMLNode(content: .sequence([]), line: line, column: column)
            } else {
                value = try self.value(depth: depth + 1)
            }
            entries.append(YAMLMappingEntry(key: key, keyLine: keyLine, value: value))
            skipSpace()
            if try endOrComma(UInt8(ascii: "}")) { return entries }
        }
    }

    private mutating func array(depth: Int) throws(JSONSyntaxError) -> [YAMLNode] {
        var items: [YAMLNode] = []
        if open(closing: UInt8(ascii: "]")) { return items }
        while true {
            items.append(try value(depth: depth + 1))
            skipSpace()
            if try endOrComma(UInt8(ascii: "]")) { return items }
        }
    }

    /// Delimits the elements of the array the cursor is on, without parsing them: only
    /// strings and brackets are followed. An element that is not valid JSON is found when
    /// its span is parsed.
    private mutating func elementSpans(depth: Int) throws(JSONSyntaxError) -> [JSONSpan] {
        var spans: [JSONSpan] = []
        if open(closing: UInt8(ascii: "]")) { return spans }
        while true {
            skipSpace()
            let (start, line, lineStart) = (offset, self.line, self.lineStart)
            try skipElement()
            spans.append(JSONSpan(start: start, end: offset, line: line, lineStart: lineStart, depth: depth))
            skipSpace()
            if try endOrComma(UInt8(ascii: "]")) { return spans }
        }
    }

    /// Moves past one array element: to the bracket that closes it, or, for a scalar, to
    /// the next comma, bracket or space.
    private mutating func skipElement() throws(JSONSyntaxError) {
        var nesting = 0
        while offset < bytes.count {
            switch bytes[offset] {
            case UInt8(ascii: "\""):
                try skipString()
                if nesting == 0 { return }
                continue
            case UInt8(ascii: "{"), UInt8(ascii: "["):
                nesting += 1
            case UInt8(ascii: "}"), UInt8(ascii: "]"):
                if nesting == 0 { return }
                nesting -= 1
                if nesting == 0 {
                    offset += 1
                    return
                }
            case UInt8(ascii: ","), 0x20, 0x09, 0x0D, 0x0A:
                if nesting == 0 { return }
                if bytes[offset] == 0x0A {
                    line += 1
                    lineStart = offset + 1
                }
            default:
                break
            }
            offset += 1
        }
    }

    /// Moves past a string, its escapes unread; the cursor is on its opening quote.
    private mutating func skipString() throws(JSONSyntaxError) {
        offset += 1
        while offset < bytes.count {
            switch bytes[offset] {
            case UInt8(ascii: "\""):
                offset += 1
                return
            case UInt8(ascii: "\\"):
                offset += 2
            default:
                offset += 1
            }
        }
        throw error("unterminated string")
    }

    /// After a member: `close` ends the container (true); a comma must be followed by
    /// another member, not by `close` (a trailing comma).
    /// Steps over the opening bracket the cursor is on and any space after it; when the
    /// container is empty, over its `closing` bracket too, and answers true.
    private mutating func open(closing: UInt8) -> Bool {
        offset += 1
        skipSpace()
        guard offset < bytes.count, bytes[offset] == closing else { return false }
        offset += 1
        return true
    }

    private mutating func endOrComma(_ close: UInt8) throws(JSONSyntaxError) -> Bool {
        guard offset < bytes.count else { throw error("unexpected end of input, expected ',' or '\(Character(Unicode.Scalar(close)))'") }
        if bytes[offset] == close {
            offset += 1
            return true
        }
        try expect(UInt8(ascii: ","), "',' or '\(Character(Unicode.Scalar(close)))'")
        skipSpace()
        if offset < bytes.count, bytes[offset] == close { throw error("trailing comma before '\(Character(Unicode.Scalar(close)))'") }
        return false
    }

    private mutating func expect(_ byte: UInt8, _ what: String) throws(JSONSyntaxError) {
        guard offset < bytes.count, bytes[offset] == byte else { throw error("unexpected \(describeCurrent()), expected \(what)") }
        offset += 1
    }

    private mutating func literal(_ word: StaticString) throws(JSONSyntaxError) -> YAMLNode.Content {
        let count = word.utf8CodeUnitCount
        guard offset + count <= bytes.count,
              (0..<count).allSatisfy({ bytes[offset + $0] == word.utf8Start[$0] }) else {
            throw error("unexpected \(describeCurrent()), expected a value")
        }
        offset += count
        return .scalar(YAMLScalar(text: word.description, style: .plain, tag: nil))
    }

    /// A number's text, checked against JSON's grammar.
    private mutating func number() throws(JSONSyntaxError) -> String {
        let start = offset
        if bytes[offset] == UInt8(ascii: "-") { offset += 1 }
        guard offset < bytes.count, isDigit(bytes[offset]) else { throw error("a number needs a digit after '-'") }
        if bytes[offset] == UInt8(ascii: "0") {
            offset += 1
            if offset < bytes.count, isDigit(bytes[offset]) { throw error("a number must not have a leading zero") }
        } else {
            skipDigits()
        }
        if offset < bytes.count, bytes[offset] == UInt8(ascii: ".") {
            offset += 1
            guard offset < bytes.count, isDigit(bytes[offset]) else { throw error("a number needs a digit after '.'") }
            skipDigits()
        }
        if offset < bytes.count, bytes[offset] | 0x20 == UInt8(ascii: "e") {
            offset += 1
            if offset < bytes.count, bytes[offset] == UInt8(ascii: "+") || bytes[offset] == UInt8(ascii: "-") { offset += 1 }
            guard offset < bytes.count, isDigit(bytes[offset]) else { throw error("a number needs a digit in its exponent") }
            skipDigits()
        }
        return String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<offset]), as: UTF8.self)
    }

    private func isDigit(_ byte: UInt8) -> Bool { byte &- UInt8(ascii: "0") < 10 }

    private mutating func skipDigits() {
        while offset < bytes.count, isDigit(bytes[offset]) { offset += 1 }
    }

    /// A string's value; the cursor is on its opening quote.
    private mutating func string() throws(JSONSyntaxError) -> String {
        offset += 1
        let start = offset
        // The common case: no escapes, taken as one slice.
        while offset < bytes.count {
            let byte = bytes[offset]
            if byte == UInt8(ascii: "\"") {
                defer { offset += 1 }
                return String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<offset]), as: UTF8.self)
            }
            if byte == UInt8(ascii: "\\") { break }
            if byte < 0x20 { throw error("a control character must be escaped in a string") }
            offset += 1
        }
        var text = Array(bytes[start..<offset])
        while offset < bytes.count {
            let byte = bytes[offset]
            offset += 1
            switch byte {
            case UInt8(ascii: "\""):
                return String(decoding: text, as: UTF8.self)
            case UInt8(ascii: "\\"):
                try escape(into: &text)
            case ..<0x20:
                offset -= 1
                throw error("a control character must be escaped in a string")
            default:
                text.append(byte)
            }
        }
        throw error("unterminated string")
    }

    private mutating func escape(into text: inout [UInt8]) throws(JSONSyntaxError) {
        guard offset < bytes.count else { throw error("unterminated string") }
        let byte = bytes[offset]
        offset += 1
        switch byte {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): text.append(byte)
        case UInt8(ascii: "b"): text.append(0x08)
        case UInt8(ascii: "f"): text.append(0x0C)
        case UInt8(ascii: "n"): text.append(0x0A)
        case UInt8(ascii: "r"): text.append(0x0D)
        case UInt8(ascii: "t"): text.append(0x09)
        case UInt8(ascii: "u"):
            var scalar = try hex4()
            if (0xD800..<0xDC00).contains(scalar) {
                // A high surrogate must be followed by an escaped low one.
                guard offset + 1 < bytes.count, bytes[offset] == UInt8(ascii: "\\"), bytes[offset + 1] == UInt8(ascii: "u") else {
                    throw error("a lone surrogate \\u\(String(scalar, radix: 16)) in a string")
                }
                offset += 2
                let low = try hex4()
                guard (0xDC00..<0xE000).contains(low) else { throw error("a lone surrogate \\u\(String(scalar, radix: 16)) in a string") }
                scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
            } else if (0xDC00..<0xE000).contains(scalar) {
                throw error("a lone surrogate \\u\(String(scalar, radix: 16)) in a string")
            }
            text.append(contentsOf: Array(String(Character(Unicode.Scalar(scalar)!)).utf8))
        default:
            offset -= 1
            throw error("unknown escape \\\(Character(Unicode.Scalar(byte))) in a string")
        }
    }

    private mutating func hex4() throws(JSONSyntaxError) -> UInt32 {
        guard offset + 4 <= bytes.count else { throw error("\\u needs four hexadecimal digits") }
        var value: UInt32 = 0
        for _ in 0..<4 {
            guard let digit = Int(String(Unicode.Scalar(bytes[offset])), radix: 16) else {
                throw error("\\u needs four hexadecimal digits")
            }
            value = value << 4 | UInt32(digit)
            offset += 1
        }
        return value
    }
}
