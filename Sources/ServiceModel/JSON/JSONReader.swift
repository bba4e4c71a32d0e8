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

    /// Whether `bytes` look like JSON (their first non-space byte opens an object or array),
    /// as kubectl decides for `-f` input.
    static func looksLikeJSON(_ bytes: [UInt8]) -> Bool {
        for byte in bytes where !JSONScanner.isSpace(byte) {
            return byte == UInt8(ascii: "{") || byte == UInt8(ascii: "[")
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
