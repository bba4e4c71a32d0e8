/// Why an endpoint's response could not be read; the request gets a `502` (or, when part
/// of the response is already with the client, its connection is cut), as nginx answers
/// an endpoint that sent an invalid response.
enum UpstreamResponseError: Error, Equatable {
    /// The head did not end within the limit.
    case headTooLarge
    case malformedStatusLine
    case malformedHeaderLine
    /// A `Content-Length` that is not a number, or two that differ.
    case badContentLength
    /// A `Transfer-Encoding` other than `chunked` alone.
    case unsupportedTransferEncoding
    /// Both `Content-Length` and `Transfer-Encoding` (a response that could be read two ways).
    case conflictingFraming
    case malformedChunk
    /// Bytes no request asked for.
    case unsolicitedBytes
    /// The connection closed before the response's end.
    case endedEarly
}
