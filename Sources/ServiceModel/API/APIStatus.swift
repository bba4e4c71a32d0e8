/// A `Status` the API server sends with a failure: in an ERROR watch event, or as the body
/// of a failed request (`{"kind":"Status","code":410,"reason":"Expired",…}`).
public struct APIStatus: Hashable, Sendable, CustomStringConvertible {
    /// The HTTP status code it stands for (410 for an expired resource version).
    public var code: Int
    /// The machine-readable reason (`Expired`, `Gone`, `TooManyRequests`, …).
    public var reason: String
    public var message: String

    public init(code: Int, reason: String = "", message: String = "") {
        self.code = code
        self.reason = reason
        self.message = message
    }

    /// Whether the resource version the client holds is too old to watch from: the client
    /// must list again (HTTP 410 Gone, reason Expired or Gone).
    public var isExpired: Bool { code == 410 || reason == "Expired" || reason == "Gone" }

    public var description: String {
        "\(code)\(reason.isEmpty ? "" : " \(reason)")\(message.isEmpty ? "" : ": \(message)")"
    }

    /// Reads a Status object's fields (missing ones stay empty).
    static func decode(_ root: YAMLNode) -> APIStatus {
        var reader = FieldReader()
        return APIStatus(code: reader.int(root, "code", .root) ?? 0, reason: reader.string(root, "reason", .root) ?? "",
                         message: reader.string(root, "message", .root) ?? "")
    }

    /// The Status in a response body, if the body is one.
    public static func decode(body: [UInt8]) -> APIStatus? {
        guard let root = try? JSONReader.parse(body), root["kind"]?.scalar?.text == "Status" else { return nil }
        return decode(root)
    }
}
