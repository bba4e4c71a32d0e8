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
        for state in states.values {
            try? await state.eventLoop.submit { state.value.table = table }.get()
        }
    }

    /// The state of `loop`, which must be one of the group's.
    func state(of loop: any EventLoop) throws -> NIOLoopBound<LoopState> {
        guard let state = states[ObjectIdentifier(loop)] else { throw ChannelError.inappropriateOperationForState }
        return state
    }
}
