import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// A named network namespace (`ip netns`): its own interfaces, routes and iptables tables.
/// Benchmarks and tests apply rules inside throwaway ones, so the host's tables are never
/// touched.
///
/// Code runs inside a namespace either as a child process (`ip netns exec`, see
/// ``execute(_:input:timeout:)``) or on a thread that switched itself in (``inside(_:)``):
/// `setns(2)` moves only the calling thread, so libiptc and sockets opened there belong to
/// the namespace while the rest of the process stays where it was.
public struct NetworkNamespace: Sendable, Hashable {
    public let name: String

    public init(name: String) {
        self.name = name
    }

    private static let counter = Mutex(0)

    /// Creates a namespace named `<prefix>-<pid>-<n>`, with its loopback interface up.
    public static func create(prefix: String) throws(NamespaceError) -> NetworkNamespace {
        let number = counter.withLock { value -> Int in
            value += 1
            return value
        }
        let namespace = NetworkNamespace(name: "\(prefix)-\(getpid())-\(number)")
        try ip(["netns", "add", namespace.name])
        do {
            try ip(["-n", namespace.name, "link", "set", "lo", "up"])
        } catch {
            namespace.delete()
            throw error
        }
        return namespace
    }

    /// Creates a namespace, runs `body` with it and deletes it, whether `body` returns or throws.
    public static func with<Result>(prefix: String, _ body: (NetworkNamespace) throws -> Result) throws -> Result {
        let namespace = try create(prefix: prefix)
        defer { namespace.delete() }
        return try body(namespace)
    }

    /// Deletes the namespace, and with it its interfaces and tables.
    public func delete() {
        _ = try? Self.ip(["netns", "delete", name])
    }

    /// Runs `arguments` inside the namespace as a child process (`ip netns exec`).
    public func execute(_ arguments: [String], input: [UInt8]? = nil,
                        timeout: Duration? = nil) throws(ChildProcessError) -> ChildProcess.Output {
        try ChildProcess.run(["ip", "netns", "exec", name] + arguments, input: input, timeout: timeout)
    }

    /// ``ip(_:)-([String])`` with the arguments as one line split at spaces:
    /// `"-n \(name) link set lo up"`.
    public static func ip(_ line: String) throws(NamespaceError) {
        try ip(line.split(separator: " ").map(String.init))
    }

    /// Runs `ip` with `arguments` (`["-n", name, "link", …]`), for wiring namespaces
    /// together; throws with `ip`'s message when it fails.
    public static func ip(_ arguments: [String]) throws(NamespaceError) {
        let command = "ip " + arguments.joined(separator: " ")
        let namespace = arguments.firstIndex(of: "-n").map { arguments[$0 + 1] }
            ?? (arguments.first == "netns" && arguments.count > 2 ? arguments[2] : "")
        let output: ChildProcess.Output
        do {
            output = try ChildProcess.run(["ip"] + arguments)
        } catch {
            throw NamespaceError(operation: command, namespace: namespace, reason: error.description)
        }
        guard output.status == 0 else {
            throw NamespaceError(operation: command, namespace: namespace,
                                 reason: output.stderr.trimmingCharacters(in: .whitespacesAndNewlines))
        }
    }

    private typealias SetNamespace = @convention(c) (Int32, Int32) -> Int32

    /// `setns` from libc (Glibc's module does not export this GNU function).
    private static let setNamespace: SetNamespace? = {
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "setns") else { return nil }
        return unsafeBitCast(symbol, to: SetNamespace.self)
    }()

    /// Moves the calling thread into this namespace, for good: call it only on a thread
    /// made for the purpose.
    public func enterOnThisThread() throws(NamespaceError) {
        let descriptor = open("/run/netns/\(name)", O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else {
            throw NamespaceError(operation: "open /run/netns/\(name)", namespace: name, reason: String(cString: strerror(errno)))
        }
        defer { close(descriptor) }
        guard let setNamespace = Self.setNamespace, setNamespace(descriptor, 0x4000_0000 /* CLONE_NEWNET */) == 0 else {
            throw NamespaceError(operation: "setns", namespace: name, reason: String(cString: strerror(errno)))
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
        thread.stackSize = 8 << 20
        thread.start()
        done.wait()
        return try box.withLock { $0! }.get()
    }

    /// Starts `body` on a new thread inside the namespace, and returns once the thread is
    /// in it; throws, and `body` never runs, when the thread cannot enter it.
    public func spawn(_ body: @escaping @Sendable () -> Void) throws(NamespaceError) {
        let entered = Mutex<Swift.Result<Void, NamespaceError>?>(nil)
        let decided = DispatchSemaphore(value: 0)
        let thread = Thread {
            do throws(NamespaceError) {
                try self.enterOnThisThread()
            } catch {
                entered.withLock { $0 = .failure(error) }
                decided.signal()
                return
            }
            entered.withLock { $0 = .success(()) }
            decided.signal()
            body()
        }
        thread.start()
        decided.wait()
        try entered.withLock { $0! }.get()
    }
}

/// A namespace could not be created, entered or used.
public struct NamespaceError: Error, Sendable, CustomStringConvertible {
    public var operation: String
    public var namespace: String
    public var reason: String

    public var description: String { "network namespace \(namespace): \(operation): \(reason)" }
}
