import Synchronization

/// How far the rules have come: what a caller waiting for a change to reach the kernel
/// (a benchmark, a test, a readiness check) reads.
public final class SyncProgress: Sendable {
    /// A snapshot.
    public struct Snapshot: Sendable, Equatable {
        /// Successful syncs so far (ones that found nothing to apply are not counted).
        public var completedSyncs = 0
        /// When the last successful sync finished.
        public var lastCompletedAt: ContinuousClock.Instant?
        /// Every change received up to this instant is in the kernel.
        public var appliedThrough: ContinuousClock.Instant?
        /// Failed syncs so far.
        public var failedSyncs = 0
    }

    private let state = Mutex(Snapshot())
    /// The newest change drained but not yet applied.
    private let drainedThrough = Mutex<ContinuousClock.Instant?>(nil)

    public init() {}

    public var snapshot: Snapshot { state.withLock { $0 } }

    /// Batches up to `instant` were taken into a plan.
    func drained(through instant: ContinuousClock.Instant) {
        drainedThrough.withLock { $0 = max($0 ?? instant, instant) }
    }

    /// A sync succeeded at `instant`, or found nothing to apply (`applied` false): either
    /// way everything drained before it is in the kernel.
    func completed(at instant: ContinuousClock.Instant, applied: Bool = true) {
        let through = drainedThrough.withLock { $0 }
        state.withLock { state in
            if applied { state.completedSyncs += 1 }
            state.lastCompletedAt = instant
            if let through { state.appliedThrough = max(state.appliedThrough ?? through, through) }
        }
    }

    func failed() {
        state.withLock { $0.failedSyncs += 1 }
    }
}
