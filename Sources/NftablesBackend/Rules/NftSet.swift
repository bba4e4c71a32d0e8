import ServiceModel

/// A named set of addresses: `cluster-ips`, `nodeport-ips`, or a ClientIP affinity set
/// (`affinity-…`) that rules fill as clients arrive and whose entries time out.
public struct NftSet: Hashable, Sendable {
    public var name: String
    public var comment: String?
    /// Entries expire this long after their last update (`flags dynamic,timeout ; timeout Ns`).
    public var timeoutSeconds: Int?
    public var elements: [IPAddress]

    public init(_ name: String, comment: String? = nil, timeoutSeconds: Int? = nil, elements: [IPAddress] = []) {
        self.name = name
        self.comment = comment
        self.timeoutSeconds = timeoutSeconds
        self.elements = elements
    }

    /// Whether rules fill it at run time (an affinity set), so its elements are not ours.
    public var isDynamic: Bool { timeoutSeconds != nil }
}
