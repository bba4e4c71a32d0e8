import ServiceModel

/// Why a request to the API server failed, sorted the way a watcher reacts to it.
public struct APIRequestError: Error, Sendable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable {
        /// The server could not be reached, or the connection broke.
        case transport
        /// The server answered with an error status (`status` holds it).
        case status
        /// The resource version is too old: list again (410 Gone / Expired).
        case expired
        /// The body could not be read as what was asked for.
        case malformed
    }

    public var kind: Kind
    /// The HTTP status, when the server answered.
    public var statusCode: Int?
    /// The server's `Retry-After`, in seconds.
    public var retryAfter: Int?
    /// What the server said (its Status message), or the transport's error.
    public var message: String
    /// The request, for the log.
    public var request: String

    public init(_ kind: Kind, request: String, statusCode: Int? = nil, retryAfter: Int? = nil, message: String) {
        self.kind = kind
        self.request = request
        self.statusCode = statusCode
        self.retryAfter = retryAfter
        self.message = message
    }

    /// Whether trying again later may succeed (server errors, throttling, broken
    /// connections); 4xx other than 410 and 429 will not mend themselves, but a watcher
    /// retries those too, more slowly, as client-go does.
    public var isThrottled: Bool { statusCode == 429 }

    public var description: String {
        "\(request): " + (statusCode.map { "HTTP \($0): " } ?? "") + message
    }
}
