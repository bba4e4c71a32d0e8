/// An answer of one of the agent's small HTTP servers.
public struct HTTPReply: Sendable, Equatable {
    public var status: Int
    public var headers: [(String, String)]
    public var body: [UInt8]

    public init(status: Int, headers: [(String, String)] = [], body: [UInt8]) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    public static func == (lhs: HTTPReply, rhs: HTTPReply) -> Bool {
        lhs.status == rhs.status && lhs.body == rhs.body && lhs.headers.map { "\($0.0): \($0.1)" } == rhs.headers.map { "\($0.0): \($0.1)" }
    }

    /// A JSON answer with kube-proxy's headers (`X-Content-Type-Options: nosniff`).
    public static func json(_ status: Int, _ text: String) -> HTTPReply {
        HTTPReply(status: status, headers: [("Content-Type", "application/json"), ("X-Content-Type-Options", "nosniff")],
                  body: Array(text.utf8))
    }

    /// A plain-text answer.
    public static func text(_ status: Int, _ text: String, contentType: String = "text/plain; charset=utf-8") -> HTTPReply {
        HTTPReply(status: status, headers: [("Content-Type", contentType), ("X-Content-Type-Options", "nosniff")],
                  body: Array(text.utf8))
    }
}
