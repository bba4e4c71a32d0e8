import Foundation
import ProxyCore
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

@_exported import struct ProxyCore.NetworkNamespace
import struct IptablesBackend.IptablesTool

/// Throwaway network namespaces for tests that need the kernel: created with a unique name
/// (`kpx-test-<pid>-<n>`), every command run inside it with `ip netns exec`, deleted by
/// ``with(_:)`` whether the body returns or throws. Nothing here touches the host's own tables.
extension NetworkNamespace {
    /// Why kernel tests cannot run here, or `nil` when they can: they need root and `ip`.
    public static let unavailableReason: String? = {
        if geteuid() != 0 { return "needs root to create network namespaces" }
        if which("ip") == nil { return "needs `ip` (apt install iproute2)" }
        return nil
    }()

    /// Whether kernel tests can run here; use with `.enabled(if:)`.
    public static var isAvailable: Bool { unavailableReason == nil }

    /// Creates a namespace, runs `body` with it, and deletes it afterwards.
    public static func with<Result>(_ body: (NetworkNamespace) throws -> Result) throws -> Result {
        try with(prefix: "kpx-test", body)
    }

    /// Runs `arguments` inside the namespace, with `input` on standard input.
    public func run(_ arguments: [String], input: String? = nil, environment: [String: String] = [:]) throws -> Command.Output {
        try Command.run(["ip", "netns", "exec", name] + arguments, input: input, environment: environment)
    }

    /// Creates `count` namespaces, runs `body` with them, and deletes them all afterwards.
    public static func with<Result>(count: Int, _ body: ([NetworkNamespace]) throws -> Result) throws -> Result {
        func nest(_ made: [NetworkNamespace]) throws -> Result {
            if made.count == count { return try body(made) }
            return try with { try nest(made + [$0]) }
        }
        return try nest([])
    }

    /// The absolute path of `tool` on PATH (or in the sbin directories), if installed.
    public static func which(_ tool: String) -> String? {
        ChildProcess.executablePath(tool)
    }
}

/// A child process run to completion.
public enum Command {
    public struct Output: Sendable {
        public var arguments: [String]
        public var status: Int32
        public var stdout: String
        public var stderr: String

        /// Throws unless the command exited 0.
        @discardableResult
        public func check() throws -> Output {
            guard status == 0 else { throw Failure(output: self) }
            return self
        }
    }

    public struct Failure: Error, CustomStringConvertible {
        public var output: Output
        public var description: String {
            "\(output.arguments.joined(separator: " ")) exited \(output.status): \(output.stderr)"
        }
    }

    /// Runs `arguments` (the first found on PATH or in the sbin directories).
    public static func run(_ arguments: [String], input: String? = nil, environment: [String: String] = [:]) throws -> Output {
        let process = Process()
        let tool = arguments[0].hasPrefix("/") ? arguments[0] : (NetworkNamespace.which(arguments[0]) ?? arguments[0])
        process.executableURL = URL(fileURLWithPath: tool)
        process.arguments = Array(arguments.dropFirst())
        if !environment.isEmpty {
            process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        }
        let stdin = Pipe()
        let stdout = Pipe()
        let stderr = Pipe()
        process.standardInput = stdin
        process.standardOutput = stdout
        process.standardError = stderr
        signal(SIGPIPE, SIG_IGN)  // a child that exits early must not kill the test run
        try process.run()
        // Write and read on other threads so neither side blocks on a full pipe.
        let group = DispatchGroup()
        let errorData = Mutex(Data())
        DispatchQueue.global().async(group: group) {
            if let input { try? stdin.fileHandleForWriting.write(contentsOf: Data(input.utf8)) }
            try? stdin.fileHandleForWriting.close()
        }
        DispatchQueue.global().async(group: group) {
            let data = stderr.fileHandleForReading.readDataToEndOfFile()
            errorData.withLock { $0 = data }
        }
        let outData = stdout.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        group.wait()
        return Output(arguments: arguments, status: process.terminationStatus,
                      stdout: String(decoding: outData, as: UTF8.self),
                      stderr: String(decoding: errorData.withLock { $0 }, as: UTF8.self))
    }
}
