#if canImport(Glibc)
// C's `stdout` and `stderr` are global variables; they are only read here, once the
// command is done, so the import does not need their concurrency checking.
@preconcurrency import Glibc
#endif
import ServiceModel
import Synchronization

/// Standard output or standard error, written with `write(2)`: a closed pipe or a full
/// disk makes the write fail, never the process (Foundation's `FileHandle` traps on a
/// failed write). The first failure is kept, and a command that otherwise succeeded ends
/// with status 1 (``KProxyIptables/main()``).
struct StandardStream: TextOutputStream {
    let descriptor: Int32
    let name: String

    static let output = StandardStream(descriptor: STDOUT_FILENO, name: "standard output")
    static let error = StandardStream(descriptor: STDERR_FILENO, name: "standard error")

    /// The first write that failed on either stream, if any did.
    static var firstFailure: OutputFailure? { failure.withLock { $0 } }
    private static let failure = Mutex<OutputFailure?>(nil)

    mutating func write(_ text: String) {
        var text = text
        text.withUTF8 { write(bytes: UnsafeRawBufferPointer($0)) }
    }

    func write(bytes: UnsafeRawBufferPointer) {
        guard let code = writeAll(bytes, to: descriptor) else { return }
        Self.failure.withLock { if $0 == nil { $0 = OutputFailure(stream: name, code: code) } }
    }

    func write(bytes: [UInt8]) {
        bytes.withUnsafeBytes { write(bytes: $0) }
    }

    /// Notes a failure that C's standard I/O met (`print`, and swift-log's stream handler,
    /// write through it): called once the command is done.
    static func recordStandardIOFailures() {
        if fflush(stdout) != 0 || ferror(stdout) != 0 {
            failure.withLock { if $0 == nil { $0 = OutputFailure(stream: output.name, code: errno) } }
        }
        if ferror(stderr) != 0 {
            failure.withLock { if $0 == nil { $0 = OutputFailure(stream: error.name, code: errno) } }
        }
    }
}

/// A write to standard output or standard error that failed.
struct OutputFailure: Sendable, CustomStringConvertible {
    var stream: String
    var code: Int32

    var description: String { "cannot write \(stream): \(String(cString: strerror(code)))" }
}
