/// Reads JSON (RFC 8259) into the same ``YAMLNode`` trees the YAML reader makes, so one set
/// of decoders and validators serves manifest files and the API server alike.
///
/// Strictly JSON, unlike reading JSON as YAML: no trailing commas, no comments, no
/// unquoted keys, no leading zeros. Strings become double-quoted scalars (always strings
/// to a field reader); numbers, `true`, `false` and `null` become plain scalars.
///
/// Written for the API server's lists: a byte scanner with no per-character allocation
/// (a list of 10,000 EndpointSlices is tens of megabytes).
enum JSONReader {
    /// Parses one JSON value; the whole input must be that value and white space.
    static func parse(_ bytes: [UInt8]) throws(JSONSyntaxError) -> YAMLNode {
        try bytes.withUnsafeBufferPointer { (buffer) throws(JSONSyntaxError) -> YAMLNode in
            var scanner = JSONScanner(buffer)
            let value = try scanner.value(depth: 0)
            scanner.skipSpace()
            guard scanner.atEnd else { throw scanner.error("unexpected \(scanner.describeCurrent()) after the value") }
            return value
        }
    }

    /// Parses one JSON object but leaves the array under its top-level `key` unread: only
    /// its elements' places are found, so that they can be parsed one at a time
    /// (``parse(_:span:)``), on several cores, each tree freed before the next is built.
    /// In the returned tree `key` holds an empty array; `elements` is `nil` when `key` is
    /// absent or not an array (its value is then in the tree).
    ///
    /// Accepts exactly what ``parse(_:)`` accepts once every element's span parses; the
    /// error it throws may differ from the whole parse's for input that is not JSON.
    static func parse(_ bytes: [UInt8], deferringArrayAt key: String) throws(JSONSyntaxError)
        -> (root: YAMLNode, elements: [JSONSpan]?) {
        try bytes.withUnsafeBufferPointer { (buffer) throws(JSONSyntaxError) -> (root: YAMLNode, elements: [JSONSpan]?) in
            var scanner = JSONScanner(buffer, deferringArrayAt: key)
            let value = try scanner.value(depth: 0)
            scanner.skipSpace()
            guard scanner.atEnd else { throw scanner.error("unexpected \(scanner.describeCurrent()) after the value") }
            return (value, scanner.deferredElements)
        }
    }

    /// Parses the array element `span` of `bytes` (from ``parse(_:deferringArrayAt:)``).
    static func parse(_ bytes: [UInt8], span: JSONSpan) throws(JSONSyntaxError) -> YAMLNode {
        try bytes.withUnsafeBufferPointer { (buffer) throws(JSONSyntaxError) -> YAMLNode in
            var scanner = JSONScanner(buffer, at: span)
            let value = try scanner.value(depth: span.depth)
            guard scanner.offset == span.end else {
                throw scanner.error("unexpected \(scanner.describeCurrent()), expected ',' or ']'")
            }
            return value
        }
    }

    /// Whether `bytes` are JSON rather than YAML: their first non-space byte opens an
    /// object, as kubectl decides for `-f` input (a manifest is an object; `[` starts a YAML
    /// flow sequence as well).
    static func looksLikeJSON(_ bytes: [UInt8]) -> Bool {
        for byte in bytes where !JSONScanner.isSpace(byte) {
            return byte == UInt8(ascii: "{")
        }
        return false
    }
}

/// A JSON syntax error with its 1-based position.
struct JSONSyntaxError: Error, Sendable, Equatable, CustomStringConvertible {
    var line: Int
    var column: Int
    var problem: String

    var description: String { "line \(line), column \(column): \(problem)" }
}
