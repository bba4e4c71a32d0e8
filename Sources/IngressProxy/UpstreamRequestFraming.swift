/// How a request's body goes to the endpoint, settled by its head as NIO's encoder would
/// settle it: as it came when the client gave its length, else in chunks when a body is
/// expected, else none.
enum UpstreamRequestFraming: Equatable {
    case none
    case contentLength
    case chunked
}
