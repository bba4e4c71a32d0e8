/// Where one element of a deferred array lies in a JSON input (see
/// ``JSONReader/parse(_:deferringArrayAt:)``): enough to parse it later on its own, with
/// the positions and nesting depth a whole parse would have given it.
struct JSONSpan: Sendable {
    /// Byte offsets of the element's first byte and of the byte after it.
    var start: Int
    var end: Int
    /// The 1-based line the element starts on, and the offset where that line starts.
    var line: Int
    var lineStart: Int
    /// How deep the element is nested in the document.
    var depth: Int
}
