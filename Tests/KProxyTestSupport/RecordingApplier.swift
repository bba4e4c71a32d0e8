import Foundation
import IptablesBackend
import ServiceModel
import Synchronization

/// An applier that records what it is asked to apply instead of touching a kernel, and
/// can be told to fail or to hold every apply until released (a busy xtables lock).
public final class RecordingApplier: RulesetApplier {
    /// One call of ``apply(_:changes:)``.
    public struct Call: Sendable {
        public var ruleset: Ruleset
        /// `nil` for a full sync.
        public var changes: RulesetChanges?
        public var isFull: Bool { changes == nil }
    }

    private struct State {
        var calls: [Call] = []
        var failuresLeft = 0
        var held = false
    }

    private let state = Mutex(State())

    public init() {}

    public var calls: [Call] { state.withLock { $0.calls } }

    /// The next `count` applies fail (as a table another writer keeps changing would).
    public func failNext(_ count: Int) { state.withLock { $0.failuresLeft = count } }

    /// While held, applies wait (already recorded in ``calls``); they go on once released.
    public func hold(_ held: Bool) { state.withLock { $0.held = held } }

    public func apply(_ desired: Ruleset, changes: RulesetChanges?) throws(IptablesError) -> SyncReport {
        // Recorded on entry, so a test sees the call while it is held.
        state.withLock { $0.calls.append(Call(ruleset: desired, changes: changes)) }
        while state.withLock({ $0.held }) { usleep(10_000) }
        let fails = state.withLock { state -> Bool in
            guard state.failuresLeft > 0 else { return false }
            state.failuresLeft -= 1
            return true
        }
        if fails { throw IptablesError.tableBusy(family: desired.family, table: .nat, attempts: 1) }
        let tables = desired.tables.map { table in
            var report = TableReport(table: table.table)
            report.committed = true
            report.full = changes == nil
            report.written = (changes?[table.table].written ?? table.chains.map(\.name)).map(\.description)
            report.deleted = changes?[table.table].deleted.map(\.description) ?? []
            return report
        }
        return SyncReport(family: desired.family, tables: tables)
    }

    public func cleanup(family: IPFamily) throws(IptablesError) -> SyncReport {
        SyncReport(family: family, tables: [])
    }

    public func installed(family: IPFamily) throws(IptablesError) -> InstalledRules {
        throw IptablesError.helper("a recording applier holds no kernel rules")
    }
}
