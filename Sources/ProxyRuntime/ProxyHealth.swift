import Foundation
import Synchronization

/// Whether the proxy keeps up, as kube-proxy's health server judges it: healthy unless a
/// change has waited longer than ``timeout`` (2 × syncPeriod) without being applied.
/// Eligibility of the node (for `/healthz`, not `/livez`) is tracked beside it.
public final class ProxyHealth: Sendable {
    /// What `/healthz` and `/livez` report.
    public struct Status: Sendable, Equatable {
        /// No change has been waiting longer than the timeout.
        public var healthy: Bool
        /// When the rules were last brought up to date; `nil` before the first sync.
        public var lastUpdated: Date?
        /// When this status was taken.
        public var currentTime: Date
        /// False when the Node is being deleted or marked for deletion by the cluster
        /// autoscaler: load balancers should stop sending new connections here.
        public var nodeEligible: Bool
    }

    private struct State {
        var lastUpdated: Date?
        var oldestPending: ContinuousClock.Instant?
        var nodeEligible = true
    }

    /// How long a change may wait unapplied before the proxy counts as unhealthy.
    public let timeout: Duration
    private let state = Mutex(State())

    public init(timeout: Duration) {
        self.timeout = timeout
    }

    /// A change arrived at `instant` and waits to be applied.
    public func queued(at instant: ContinuousClock.Instant) {
        state.withLock { state in
            if state.oldestPending == nil { state.oldestPending = instant }
        }
    }

    /// The rules were brought up to date; `stillPending` is the oldest change that
    /// arrived after the sync began, if any.
    public func updated(stillPending: ContinuousClock.Instant?, at date: Date = Date()) {
        state.withLock { state in
            state.lastUpdated = date
            state.oldestPending = stillPending
        }
    }

    /// Records whether the Node may take new load-balanced connections.
    public func setNodeEligible(_ eligible: Bool) {
        state.withLock { $0.nodeEligible = eligible }
    }

    /// The status now.
    public func status(now: ContinuousClock.Instant = .now, date: Date = Date()) -> Status {
        state.withLock { state in
            let waiting = state.oldestPending.map { now - $0 } ?? .zero
            return Status(healthy: waiting <= timeout, lastUpdated: state.lastUpdated, currentTime: date,
                          nodeEligible: state.nodeEligible)
        }
    }
}
