import NIOCore

/// Each event loop's ``LoopState``, made on its loop and only ever touched there.
struct LoopStates: Sendable {
    private let states: [ObjectIdentifier: NIOLoopBound<LoopState>]

    static func make(_ group: any EventLoopGroup, limits: IngressProxyLimits) async throws -> LoopStates {
        var states: [ObjectIdentifier: NIOLoopBound<LoopState>] = [:]
        for loop in group.makeIterator() {
            states[ObjectIdentifier(loop)] = try await loop.submit {
                NIOLoopBound(LoopState(eventLoop: loop, limits: limits), eventLoop: loop)
            }.get()
        }
        return LoopStates(states: states)
    }

    private init(states: [ObjectIdentifier: NIOLoopBound<LoopState>]) {
        self.states = states
    }

    /// The state of `loop`, which must be one of the group's.
    func state(of loop: any EventLoop) throws -> NIOLoopBound<LoopState> {
        guard let state = states[ObjectIdentifier(loop)] else { throw ChannelError.inappropriateOperationForState }
        return state
    }
}
