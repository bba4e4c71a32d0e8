/// Why a sync failed: the kernel's or the tool's refusal, as the mode's applier words it.
struct RuleSyncFailure: Error, Sendable, CustomStringConvertible {
    var description: String
}
