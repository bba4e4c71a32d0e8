import ServiceModel

/// What one cleanup pass did.
public struct ConntrackCleanup: Sendable, Equatable, CustomStringConvertible {
    public var family: IPFamily
    /// Entries of the cleaned protocols that were looked at.
    public var examined = 0
    /// Stale entries deleted.
    public var deleted = 0
    /// Stale entries that had gone before they could be deleted.
    public var alreadyGone = 0
    public var duration: Duration = .zero

    public init(family: IPFamily) {
        self.family = family
    }

    /// Lists the family's UDP and SCTP entries and deletes those `filter` finds stale; does
    /// nothing when the filter has no service port to look for.
    public static func run(_ filter: StaleFlowFilter) throws(ConntrackError) -> ConntrackCleanup {
        var report = ConntrackCleanup(family: filter.family)
        guard !filter.isEmpty else { return report }
        let started = ContinuousClock.now
        let table = try ConntrackTable(family: filter.family)
        let entries = try table.entries(of: StaleFlowFilter.protocols)
        report.examined = entries.count
        for entry in entries where entry.family == filter.family && filter.isStale(entry) {
            if try table.delete(entry) { report.deleted += 1 } else { report.alreadyGone += 1 }
        }
        report.duration = ContinuousClock.now - started
        return report
    }

    public var description: String {
        "conntrack \(family == .ipv6 ? "IPv6" : "IPv4"): \(deleted) stale UDP/SCTP entries deleted of \(examined)"
            + (alreadyGone > 0 ? " (\(alreadyGone) gone already)" : "")
    }
}
