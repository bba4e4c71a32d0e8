import NIOCore

/// A timeout a handler keeps for its own connection, as NIO's `IdleStateHandler` keeps a
/// read timeout but without a handler of its own that every part read and written passes
/// through: activity only notes the time (``noteActivity()``), and one scheduled check
/// re-arms itself for the last activity plus the timeout, calling `expired` when that
/// passed with nothing noted (and again after every further timeout, until stopped).
///
/// Used on its handler's event loop only. The check holds `expired` (and so the handler)
/// until ``stop()``, which the handler calls when it is removed.
final class IdleTimer {
    private let timeout: TimeAmount
    private var lastActivity = NIODeadline.now()
    private var check: Scheduled<Void>?

    init(timeout: Duration) {
        self.timeout = TimeAmount(timeout)
    }

    /// Starts watching from now, on `loop` (the handler's, called on it); a second start
    /// changes nothing.
    func start(on loop: any EventLoop, expired: @escaping () -> Void) {
        guard check == nil else { return }
        lastActivity = .now()
        arm(at: lastActivity + timeout, on: loop, expired: expired)
    }

    /// Something was read (or sent, where that also counts): the timeout starts again.
    func noteActivity() {
        lastActivity = .now()
    }

    /// Stops watching; `expired` is not called after this.
    func stop() {
        check?.cancel()
        check = nil
    }

    private func arm(at deadline: NIODeadline, on loop: any EventLoop, expired: @escaping () -> Void) {
        check = loop.assumeIsolated().scheduleTask(deadline: deadline) { [self] in
            guard check != nil else { return }
            let due = lastActivity + timeout
            let now = NIODeadline.now()
            guard due <= now else { return arm(at: due, on: loop, expired: expired) }
            arm(at: now + timeout, on: loop, expired: expired)
            expired()
        }
    }
}
