/// Why a connection to an endpoint failed a request.
enum UpstreamFailure {
    /// The endpoint closed the connection.
    case closed
    /// The endpoint sent nothing for the read timeout.
    case timedOut
    case error(any Error)
}
