import ServiceModel

/// What an apply did to one table.
public struct TableReport: Hashable, Sendable, Codable, CustomStringConvertible {
    public var table: Table
    /// Chains created (new in the kernel), in byte order.
    public var created: [String] = []
    /// Chains written: created, or flushed and refilled.
    public var written: [String] = []
    /// Chains deleted.
    public var deleted: [String] = []
    /// Jump rules inserted into built-in chains.
    public var insertedJumps: [String] = []
    /// Whether the table was sent to the kernel; false when nothing differed.
    public var committed = false
    /// Whether every chain was compared with the kernel (no plan of changes was given, or
    /// the table's canary was missing).
    public var full = false
    /// How many times the table was read and the changes staged (more than one after EAGAIN).
    public var attempts = 0
    /// Time spent reading the table from the kernel and sending it back (libiptc's init and
    /// commit, of the last attempt); the rest of an apply is our own work.
    public var kernelDuration: Duration = .zero
    /// The peak resident memory, in KiB, of the helper process that applied this table
    /// (see ``LibiptcHelper``); `nil` when it was applied in this process.
    public var applierPeakResidentKilobytes: Int?

    public init(table: Table) {
        self.table = table
    }

    public var description: String {
        guard committed else { return "\(table): unchanged" }
        var parts = ["\(written.count) chains written"]
        if !created.isEmpty { parts.append("\(created.count) created") }
        if !deleted.isEmpty { parts.append("\(deleted.count) deleted") }
        if !insertedJumps.isEmpty { parts.append("\(insertedJumps.count) jumps inserted") }
        return "\(table): " + parts.joined(separator: ", ") + (attempts > 1 ? " (\(attempts) attempts)" : "")
    }
}

/// What an apply did, table by table (filter, then nat).
public struct SyncReport: Hashable, Sendable, CustomStringConvertible {
    public var family: IPFamily
    public var tables: [TableReport]

    public init(family: IPFamily, tables: [TableReport]) {
        self.family = family
        self.tables = tables
    }

    /// Whether any table was synced in full rather than only the chains the plan named.
    public var full: Bool { tables.contains { $0.full } }

    public var committed: Bool { tables.contains { $0.committed } }

    /// Time spent in the kernel's table reads and replaces, over all tables.
    public var kernelDuration: Duration { tables.reduce(.zero) { $0 + $1.kernelDuration } }

    public var description: String {
        "\(family == .ipv6 ? "ip6tables" : "iptables") \(full ? "full" : "partial") sync: "
            + tables.map(\.description).joined(separator: "; ")
    }
}

/// Applies rulesets to the kernel.
public protocol RulesetApplier: Sendable {
    /// Makes the kernel hold `desired`. With `changes`, only those chains are written (a
    /// partial sync); without, every chain is compared with the kernel and the differing
    /// ones written, and stale per-service chains deleted (a full sync). A table whose
    /// canary is missing is always synced in full. A partial sync may leave tables without
    /// changes unread; the next full sync checks them.
    func apply(_ desired: Ruleset, changes: RulesetChanges?) throws(IptablesError) -> SyncReport

    /// Removes every chain we own and our jumps from the built-in chains; nothing else.
    func cleanup(family: IPFamily) throws(IptablesError) -> SyncReport

    /// The rules the kernel holds in our chains and our jumps from built-in chains.
    func installed(family: IPFamily) throws(IptablesError) -> InstalledRules
}
