import Foundation
import KProxyTestSupport
import ProxyCore
import Testing

/// Kernel tests need root, `ip` and the legacy iptables tools.
let kernelUnavailable: String? = NetworkNamespace.unavailableReason
    ?? (NetworkNamespace.which("iptables-legacy-save") == nil ? "needs iptables-legacy (apt install iptables)" : nil)

/// A private xtables lock for this test run, so the tests neither wait for nor block the
/// host's own iptables users (the lock file is shared across namespaces).
let privateLock = FileManager.default.temporaryDirectory.appendingPathComponent("kproxy-test-\(getpid()).xtables.lock").path

/// Runs the CLI inside `namespace` with the private lock.
func cli(_ arguments: [String], in namespace: NetworkNamespace) throws -> Command.Output {
    try namespace.run([executable] + arguments, environment: ["XTABLES_LOCKFILE": privateLock])
}

/// `iptables-legacy-save` (or ip6tables) of `namespace` without its comment lines.
func legacySave(_ namespace: NetworkNamespace, ipv6: Bool = false, table: String? = nil) throws -> String {
    let tool = ipv6 ? "ip6tables-legacy-save" : "iptables-legacy-save"
    let output = try namespace.run([tool] + (table.map { ["-t", $0] } ?? []), environment: ["XTABLES_LOCKFILE": privateLock]).check()
    return output.stdout.split(separator: "\n").filter { !$0.hasPrefix("#") }.joined(separator: "\n")
}

/// A temporary directory of manifest files, removed by `body`'s end.
func withManifests<Result>(_ files: [String: String], _ body: (String) throws -> Result) throws -> Result {
    let directory = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    for (name, text) in files {
        try text.write(toFile: directory.appendingPathComponent(name).path, atomically: true, encoding: .utf8)
    }
    return try body(directory.path)
}

/// The CLI running in the background (`sync --watch` inside a namespace with the private
/// lock, `ingress`), its standard error written to a log file the test reads.
final class BackgroundCLI {
    private let process = Process()
    let logPath: String

    /// Starts the command in `namespace` (`nil`: where the tests run), with `environment`
    /// besides the private xtables lock.
    init(_ arguments: [String], in namespace: NetworkNamespace?, log logPath: String, environment: [String: String] = [:]) throws {
        self.logPath = logPath
        _ = FileManager.default.createFile(atPath: logPath, contents: nil)
        if let namespace {
            process.executableURL = URL(fileURLWithPath: NetworkNamespace.which("ip")!)
            process.arguments = ["netns", "exec", namespace.name, executable] + arguments
        } else {
            process.executableURL = URL(fileURLWithPath: executable)
            process.arguments = arguments
        }
        process.environment = environment.merging(["XTABLES_LOCKFILE": privateLock]) { $1 }
        process.standardError = FileHandle(forWritingAtPath: logPath)
        try process.run()
    }

    /// What it has logged so far.
    var log: String { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }

    /// Whether `text` shows in the log `count` times within ten seconds.
    func waitFor(_ text: String, count: Int = 1) -> Bool {
        for _ in 0..<100 {
            if log.components(separatedBy: text).count - 1 >= count { return true }
            usleep(100_000)
        }
        return false
    }

    /// Kills it and waits for it to end.
    func stop() {
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }

    /// Sends SIGTERM and waits up to ten seconds for it to end: its exit status, or `nil`
    /// when it is still running (it is then killed).
    func terminate() -> Int32? {
        kill(process.processIdentifier, SIGTERM)
        for _ in 0..<100 where process.isRunning { usleep(100_000) }
        guard !process.isRunning else {
            stop()
            return nil
        }
        return process.terminationStatus
    }
}
