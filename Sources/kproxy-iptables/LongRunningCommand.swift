/// A command that may run for days rather than seconds (the agent, `sync --watch`, and
/// `bench --churn`, which measures the agent's loop): its process is set up for a steady
/// footprint rather than for one burst of work.
///
/// Its conformances are never actor-isolated (`SendableMetatype`), so checking a parsed
/// command for it on the main actor leaves the command free to run off it.
protocol LongRunningCommand: SendableMetatype {
    /// Whether this invocation runs until it is stopped.
    var runsLong: Bool { get }
}

extension Agent: LongRunningCommand {
    var runsLong: Bool { true }
}

extension Sync: LongRunningCommand {
    var runsLong: Bool { watch }
}

/// `bench --churn` stands for the agent's sync loop, so its process is set up as the agent's.
extension Bench: LongRunningCommand {
    var runsLong: Bool { churn }
}

extension IngressCommand: LongRunningCommand {
    var runsLong: Bool { true }
}
