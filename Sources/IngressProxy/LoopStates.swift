import NIOCore

/// Each event loop's ``LoopState``, made on its loop and only ever touched there.
struct LoopStates: Sendable {
    private let states: [ObjectIdentifier: NIOLoopBound<LoopState>]

    static func make(_ group: any EventLoopGroup, limits: IngressProxyLimits, table: IngressRouteTable) async throws -> LoopStates {
        var states: [ObjectIdentifier: NIOLoopBound<LoopState>] = [:]
        for loop in group.makeIterator() {
            states[ObjectIdentifier(loop)] = try await loop.submit {
                NIOLoopBound(LoopState(eventLoop: loop, limits: limits, table: table), eventLoop: loop)
            }.get()
        }
        return LoopStates(states: states)
    }

    private init(states: [ObjectIdentifier: NIOLoopBound<LoopState>]) {
        self.states = states
    }

    /// Gives every loop `table`, each on its own loop; returns once all have it.
    func install(_ table: IngressRouteTable) async {
        _ = await each { $0.table = table }
    }

    /// Asks every loop's client connections to end after the requests in flight.
    func quiesce() async {
        _ = await each { $0.quiesce() }
    }

    /// The client connections open, over all loops.
    func clientCount() async -> Int {
        await each { $0.clientCount }.reduce(0, +)
    }

    /// Runs `body` on every loop with its state, in turn; what each returned (nothing from a
    /// loop already shut down).
    private func each<Value: Sendable>(_ body: @escaping @Sendable (LoopState) -> Value) async -> [Value] {
        var values: [Value] = []
        for state in states.values {
            if let value = try? await state.eventLoop.submit({ body(state.value) }).get() { values.append(value) }
        }
        return values
    }

    /// The state of `loop`, which must be one of the group's.
    func state(of loop: any EventLoop) throws -> NIOLoopBound<LoopState> {
        guard let state = states[ObjectIdentifier(loop)] else { throw ChannelError.inappropriateOperationForState }
        return state
    }
}
