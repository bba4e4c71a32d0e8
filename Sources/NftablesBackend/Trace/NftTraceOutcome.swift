import ServiceModel

/// One way a traced packet can go, with its probability.
public struct NftTraceOutcome: Hashable, Sendable, CustomStringConvertible {
    public enum Verdict: String, Hashable, Sendable {
        /// Delivered: to `destination` when it was rewritten, else as addressed.
        case accept = "ACCEPT"
        case drop = "DROP"
        case reject = "REJECT"
    }

    public var verdict: Verdict
    /// The destination after DNAT, when a rule rewrote it.
    public var destination: (address: IPAddress, port: Int)?
    /// Whether the source is rewritten on the way out (`masquerade`).
    public var masquerade: Bool
    public var probability: Double
    /// The chains it passed, in order.
    public var chains: [String]

    public var description: String {
        let to = destination.map { $0.address.withPort($0.port) }
        return [verdict.rawValue, to, masquerade ? "masquerade" : nil].compactMap { $0 }.joined(separator: " ")
    }

    public static func == (lhs: Self, rhs: Self) -> Bool {
        lhs.verdict == rhs.verdict && lhs.destination?.address == rhs.destination?.address
            && lhs.destination?.port == rhs.destination?.port && lhs.masquerade == rhs.masquerade
            && lhs.probability == rhs.probability && lhs.chains == rhs.chains
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(verdict)
        hasher.combine(destination?.address)
        hasher.combine(destination?.port)
        hasher.combine(masquerade)
    }
}
