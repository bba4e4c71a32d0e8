import ServiceModel
import Synchronization

/// The health checks the node must answer, as of the last sync, and a stream of them for
/// the listeners that answer (the agent opens and closes ports as Services come and go).
public final class HealthCheckServices: Sendable {
    private struct State {
        var current: [NamespacedName: HealthCheckService] = [:]
        var observers: [Int: AsyncStream<[HealthCheckService]>.Continuation] = [:]
        var nextObserver = 0
    }

    private let state = Mutex(State())

    public init() {}

    /// The health checks now, sorted by Service.
    public var current: [HealthCheckService] {
        state.withLock { $0.current.values.sorted { $0.service < $1.service } }
    }

    /// Every later change of the set (the current set first).
    public func updates() -> AsyncStream<[HealthCheckService]> {
        let (stream, continuation) = AsyncStream<[HealthCheckService]>.makeStream(bufferingPolicy: .bufferingNewest(1))
        let id = state.withLock { state in
            defer { state.nextObserver += 1 }
            state.observers[state.nextObserver] = continuation
            continuation.yield(state.current.values.sorted { $0.service < $1.service })
            return state.nextObserver
        }
        continuation.onTermination = { [weak self] _ in self?.state.withLock { _ = $0.observers.removeValue(forKey: id) } }
        return stream
    }

    /// Replaces the entries of `services` (removing those without one) and tells observers
    /// when anything changed.
    func update(_ services: some Sequence<NamespacedName>, with checks: [NamespacedName: HealthCheckService], replacingAll: Bool) {
        state.withLock { state in
            let before = state.current
            if replacingAll { state.current = [:] }
            for name in services { state.current[name] = checks[name] }
            guard state.current != before else { return }
            let snapshot = state.current.values.sorted { $0.service < $1.service }
            for observer in state.observers.values { observer.yield(snapshot) }
        }
    }
}
