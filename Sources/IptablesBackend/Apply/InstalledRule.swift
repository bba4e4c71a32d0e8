import ServiceModel

/// One rule as read back from the kernel, in the form its reader gives.
public enum InstalledRule: Hashable, Sendable {
    /// The entry's bytes, as libiptc holds them.
    case entry(KernelEntry)
    /// The rule as `iptables-save` prints it, without `-A CHAIN `.
    case saved(String)

    /// A planned rule in a reader's form (``InstalledRules/comparable(_:table:chain:encoder:)``).
    enum Planned {
        case encoded(EncodedRule)
        case saved(String)
    }

    /// Whether this is the planned rule: the same bytes, counters and kernel fields aside
    /// (``KernelEntry/isSame(as:)``), or the same save-form text.
    func isSame(as planned: Planned) -> Bool {
        switch (self, planned) {
        case (.entry(let entry), .encoded(let encoded)): return entry.isSame(as: encoded)
        case (.saved(let text), .saved(let plannedText)): return text == plannedText
        default: return false
        }
    }
}
