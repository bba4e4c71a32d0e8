import Foundation
import ServiceModel
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// Child processes (`ip`, `nft`, the iptables tools, a libiptc helper), run to completion
/// with their output gathered, a timeout, and their peak memory measured.
public enum ChildProcess {
    public struct Output: Sendable {
        public var status: Int32
        /// Standard output as it came.
        public var standardOutput: [UInt8]
        public var stderr: String
        /// Whether the child was killed for running past the timeout.
        public var timedOut = false
        /// The child's peak resident memory in KiB, sampled from /proc every 20 ms while it
        /// runs (wait4's figure would include this process's memory: posix_spawn shares it
        /// with the child until the child execs).
        public var peakResidentKilobytes = 0

        /// Standard output as text.
        public var stdout: String { String(decoding: standardOutput, as: UTF8.self) }
    }

    /// Runs `arguments` (the tool's name, or an absolute path, first), feeding `input` on
    /// standard input. Spawned with posix_spawn and reaped with waitpid, with standard input
    /// written and standard error read on their own threads, so no pipe can fill up and
    /// stall either side. A child still running after `timeout` is killed.
    public static func run(_ arguments: [String], input: [UInt8]? = nil,
                           timeout: Duration? = nil) throws(ChildProcessError) -> Output {
        try run(arguments, timeout: timeout) { descriptor in
            // A child that stops reading early says why in its own output.
            _ = input?.withUnsafeBytes { writeAll($0, to: descriptor) }
        }
    }

    /// Runs `arguments` like ``run(_:input:timeout:)``, with `writeInput` writing the
    /// child's standard input to the descriptor it is given, on a thread of its own, while
    /// this one reads the child's output; the descriptor is closed when it returns.
    public static func run(_ arguments: [String], timeout: Duration? = nil,
                           writeInput: @escaping @Sendable (Int32) -> Void) throws(ChildProcessError) -> Output {
        guard let path = executablePath(arguments[0]) else {
            throw ChildProcessError(command: arguments[0], reason: "not installed")
        }
        var stdinPipe: [Int32] = [0, 0], stdoutPipe: [Int32] = [0, 0], stderrPipe: [Int32] = [0, 0]
        guard pipe(&stdinPipe) == 0, pipe(&stdoutPipe) == 0, pipe(&stderrPipe) == 0 else {
            throw ChildProcessError(command: arguments[0], reason: "pipe: \(String(cString: strerror(errno)))")
        }
        for descriptor in stdinPipe + stdoutPipe + stderrPipe { _ = fcntl(descriptor, F_SETFD, FD_CLOEXEC) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, stdinPipe[0], 0)
        posix_spawn_file_actions_adddup2(&actions, stdoutPipe[1], 1)
        posix_spawn_file_actions_adddup2(&actions, stderrPipe[1], 2)
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var noSignals = sigset_t()
        sigemptyset(&noSignals)
        posix_spawnattr_setsigmask(&attributes, &noSignals)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK))
        var pid: pid_t = 0
        let argv = arguments.map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        let spawned = posix_spawn(&pid, path, &actions, &attributes, argv, environ)
        close(stdinPipe[0]); close(stdoutPipe[1]); close(stderrPipe[1])
        guard spawned == 0 else {
            close(stdinPipe[1]); close(stdoutPipe[0]); close(stderrPipe[0])
            throw ChildProcessError(command: arguments[0], reason: "spawn: \(String(cString: strerror(spawned)))")
        }
        signal(SIGPIPE, SIG_IGN)
        let finished = Mutex(false)
        let killed = Mutex(false)
        if let timeout {
            let (seconds, attoseconds) = timeout.components
            let deadline = DispatchTime.now() + .nanoseconds(Int(seconds) * 1_000_000_000 + Int(attoseconds / 1_000_000_000))
            DispatchQueue.global().asyncAfter(deadline: deadline) { [pid] in
                finished.withLock { done in
                    guard !done else { return }
                    killed.withLock { $0 = true }
                    kill(pid, SIGKILL)
                }
            }
        }
        let group = DispatchGroup()
        let peak = Mutex(0)
        DispatchQueue.global().async(group: group) { [pid] in
            while !finished.withLock({ $0 }) {
                if let kilobytes = Self.peakResidentKilobytes(of: pid) { peak.withLock { $0 = max($0, kilobytes) } }
                usleep(20_000)
            }
        }
        let errors = ByteBox()
        let writeEnd = stdinPipe[1], errorEnd = stderrPipe[0]
        DispatchQueue.global().async(group: group) {
            writeInput(writeEnd)
            close(writeEnd)
        }
        DispatchQueue.global().async(group: group) {
            errors.set(Self.readAll(errorEnd))
            close(errorEnd)
        }
        let out = Self.readAll(stdoutPipe[0])
        close(stdoutPipe[0])
        var status: Int32 = 0
        // Wait for the exit without reaping, then mark it under the lock before reaping: the
        // timeout signals only an unreaped child, never a pid the system has reused.
        var info = siginfo_t()
        while waitid(P_PID, id_t(pid), &info, WEXITED | WNOWAIT) < 0 && errno == EINTR {}
        finished.withLock { $0 = true }
        group.wait()
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        let exitStatus = (status & 0x7F) == 0 ? (status >> 8) & 0xFF : 128 + (status & 0x7F)
        return Output(status: exitStatus, standardOutput: out,
                      stderr: String(decoding: errors.get(), as: UTF8.self), timedOut: killed.withLock { $0 },
                      peakResidentKilobytes: peak.withLock { $0 })
    }

    /// Where `program` is: an absolute path as it is, a name looked up in the sbin and bin
    /// directories, then on PATH; `nil` when it is not installed.
    public static func executablePath(_ program: String) -> String? {
        let candidates = program.hasPrefix("/") ? [program]
            : (["/usr/sbin", "/sbin", "/usr/bin", "/bin"]
                + (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":").map(String.init))
                .map { "\($0)/\(program)" }
        return candidates.first(where: FileManager.default.isExecutableFile)
    }

    /// The peak resident memory (VmHWM) of a running process, in KiB; `nil` when it cannot
    /// be read.
    public static func peakResidentKilobytes(of pid: pid_t) -> Int? {
        statusKilobytes("VmHWM", of: pid)
    }

    /// The resident memory now (VmRSS) of a running process, in KiB; `nil` when it cannot
    /// be read.
    public static func residentKilobytes(of pid: pid_t) -> Int? {
        statusKilobytes("VmRSS", of: pid)
    }

    /// A `field: N kB` line of `/proc/<pid>/status`.
    private static func statusKilobytes(_ field: String, of pid: pid_t) -> Int? {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
              let line = status.split(separator: "\n").first(where: { $0.hasPrefix(field + ":") }) else { return nil }
        return line.split(separator: " ").compactMap { Int($0) }.first
    }

    private static func readAll(_ descriptor: Int32) -> [UInt8] {
        var result: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while true {
            let count = read(descriptor, &buffer, buffer.count)
            if count < 0 { if errno == EINTR { continue } else { break } }
            if count == 0 { break }
            result += buffer[0..<count]
        }
        return result
    }

}

/// Why a child process could not be started.
public struct ChildProcessError: Error, Sendable, CustomStringConvertible {
    public var command: String
    public var reason: String
    /// 127, as a shell reports a command it could not run.
    public var status: Int32 { 127 }

    public var description: String { "\(command): \(reason)" }
}

private final class ByteBox: @unchecked Sendable {
    private let lock = NSLock()
    private var bytes: [UInt8] = []
    func set(_ value: [UInt8]) { lock.lock(); bytes = value; lock.unlock() }
    func get() -> [UInt8] { lock.lock(); defer { lock.unlock() }; return bytes }
}
