import Foundation

/// A server the benchmark runs beside itself (nginx, `kproxy-iptables ingress`), its output
/// discarded, stopped with SIGTERM and then SIGKILL.
final class BenchChild {
    private let process = Process()

    /// The process's id (nginx: its master's).
    var pid: pid_t { process.processIdentifier }

    static func start(_ arguments: [String]) throws -> BenchChild {
        let child = BenchChild()
        child.process.executableURL = URL(fileURLWithPath: arguments[0])
        child.process.arguments = Array(arguments.dropFirst())
        child.process.standardOutput = FileHandle.nullDevice
        child.process.standardError = FileHandle.nullDevice
        try child.process.run()
        return child
    }

    func stop() {
        guard process.isRunning else { return }
        process.terminate()
        for _ in 0..<50 where process.isRunning { usleep(20_000) }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
    }
}
