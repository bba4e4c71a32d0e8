/// A failure to read or change the `kube-proxy` table, with nft's own message (or the
/// kernel's refusal and the command it refused).
public struct NftablesError: Error, Sendable, CustomStringConvertible {
    /// What was being done: `apply the transaction`, `list the table`, ….
    public var operation: String
    /// nft's error text (it names the command's line and column), or why libnftables could
    /// not be used at all.
    public var message: String

    public init(_ operation: String, _ message: String) {
        self.operation = operation
        self.message = message
    }

    public var description: String { "nftables: \(operation) failed: \(message)" }

    /// Whether what the command named does not exist (the table, mostly).
    public var isNotFound: Bool { message.contains("No such file or directory") }

    /// Whether nft refused for want of privileges (`Operation not permitted`).
    public var isPermissionDenied: Bool { message.contains("Operation not permitted") }
}
