import Foundation

/// A server the benchmark runs beside itself (nginx, `kproxy-iptables ingress`, the agent of
/// `bench --agent`), its output discarded, stopped with SIGTERM and then SIGKILL.
final class BenchChild {
    private let process = Process()

    /// The process's id (nginx: its master's).
    var pid: pid_t { process.processIdentifier }

    /// Starts `arguments[0]` with the rest; `environment`: its whole environment (`nil`:
    /// this process's).
    static func start(_ arguments: [String], environment: [String: String]? = nil) throws -> BenchChild {
        let child = BenchChild()
        child.process.executableURL = URL(fileURLWithPath: arguments[0])
        child.process.arguments = Array(arguments.dropFirst())
        if let environment { child.process.environment = environment }
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
