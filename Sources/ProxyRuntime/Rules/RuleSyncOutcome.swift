/// What one sync wrote, in the terms the loop logs and measures, whatever the mode.
struct RuleSyncOutcome: Sendable, CustomStringConvertible {
    /// Rules in one table of the kernel, and how many of them the sync wrote.
    struct TableRules: Sendable {
        var table: String
        var total: Int
        var written: Int
    }

    /// Whether every rule was compared or written (else only what changed).
    var full: Bool
    /// One line for the log.
    var summary: String
    /// What was written or deleted, one line each, for debug logging.
    var details: [String] = []
    /// Cleanups that failed and were left for a later sync, and why: worth a log line each.
    var notes: [String] = []
    /// The rule counts kube-proxy publishes for the mode (iptables mode's per table).
    var tables: [TableRules] = []

    var description: String { summary }
}
