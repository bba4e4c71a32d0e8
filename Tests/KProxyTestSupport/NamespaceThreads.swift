import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// Running code inside a network namespace without a child process: a dedicated thread
/// switches itself into the namespace (`setns(2)` changes only the calling thread), so the
/// test's servers and clients are plain sockets in this process.
extension NetworkNamespace {
    private typealias SetNamespace = @convention(c) (Int32, Int32) -> Int32

    /// `setns` from libc (Glibc's module does not export this GNU function).
    private static let setNamespace: SetNamespace? = {
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "setns") else { return nil }
        return unsafeBitCast(symbol, to: SetNamespace.self)
    }()

    /// Moves the calling thread into this namespace.
    func enterOnThisThread() throws {
        let descriptor = open("/run/netns/\(name)", O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw SocketError("open /run/netns/\(name)", errno) }
        defer { close(descriptor) }
        guard let setNamespace = Self.setNamespace, setNamespace(descriptor, 0x4000_0000 /* CLONE_NEWNET */) == 0 else {
            throw SocketError("setns \(name)", errno)
        }
    }

    /// Runs `body` on a new thread inside the namespace and waits for its result.
    public func inside<Result: Sendable>(_ body: @escaping @Sendable () throws -> Result) throws -> Result {
        let box = Mutex<Swift.Result<Result, any Error>?>(nil)
        let done = DispatchSemaphore(value: 0)
        let thread = Thread {
            do {
                try self.enterOnThisThread()
                let value = try body()
                box.withLock { $0 = .success(value) }
            } catch {
                box.withLock { $0 = .failure(error) }
            }
            done.signal()
        }
        thread.stackSize = 1 << 20
        thread.start()
        done.wait()
        return try box.withLock { $0! }.get()
    }

    /// Starts `body` on a new thread inside the namespace and returns at once.
    public func spawn(_ body: @escaping @Sendable () -> Void) {
        let thread = Thread {
            guard (try? self.enterOnThisThread()) != nil else { return }
            body()
        }
        thread.start()
    }
}

/// A failed socket or namespace call.
public struct SocketError: Error, CustomStringConvertible {
    public var call: String
    public var code: Int32

    public init(_ call: String, _ code: Int32) {
        self.call = call
        self.code = code
    }

    public var description: String { "\(call): \(String(cString: strerror(code))) (errno \(code))" }

    /// Whether the peer refused the connection (a REJECT, or nothing listening).
    public var isRefused: Bool { code == ECONNREFUSED }
}
