import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The lock every iptables writer takes: `flock(LOCK_EX)` on `/run/xtables.lock`, or on
/// `$XTABLES_LOCKFILE` when set. libiptc takes no lock itself; hold this from reading a table
/// to committing it, so another lock-honouring writer cannot change it in between.
public struct XtablesLock: ~Copyable {
    public let path: String
    private let descriptor: Int32

    /// The lock file in effect: `$XTABLES_LOCKFILE`, else `/run/xtables.lock`.
    public static var defaultPath: String {
        ProcessInfo.processInfo.environment["XTABLES_LOCKFILE"].flatMap { $0.isEmpty ? nil : $0 } ?? "/run/xtables.lock"
    }

    /// Takes the lock, polling every 10 ms until `timeout`; a stuck holder gives
    /// ``IptablesError/lockTimeout(path:waitedMilliseconds:)`` rather than a hang.
    public init(path: String = XtablesLock.defaultPath, timeout: Duration = .seconds(5)) throws(IptablesError) {
        self.path = path
        let descriptor = open(path, O_CREAT | O_RDWR | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else {
            let error = errno
            throw .lockFile(path: path, errno: error, message: String(cString: strerror(error)))
        }
        let clock = ContinuousClock()
        let start = clock.now
        while flock(descriptor, LOCK_EX | LOCK_NB) != 0 {
            let error = errno
            guard error == EWOULDBLOCK || error == EINTR else {
                close(descriptor)
                throw .lockFile(path: path, errno: error, message: String(cString: strerror(error)))
            }
            let waited = clock.now - start
            if waited >= timeout {
                close(descriptor)
                throw .lockTimeout(path: path, waitedMilliseconds: Int(waited.components.seconds * 1000
                                                                        + waited.components.attoseconds / 1_000_000_000_000_000))
            }
            usleep(10_000)
        }
        self.descriptor = descriptor
    }

    deinit {
        close(descriptor)  // closing the descriptor releases the flock
    }
}
