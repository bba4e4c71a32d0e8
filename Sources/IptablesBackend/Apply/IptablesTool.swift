import Foundation
import ServiceModel
#if canImport(Glibc)
import Glibc
#endif

/// The iptables command-line tools of one mode and family (`iptables-nft-restore`,
/// `ip6tables-legacy-save`, …), run as child processes.
public struct IptablesTool: Sendable {
    public enum Mode: String, Sendable {
        case legacy, nft
    }

    public var mode: Mode
    public var family: IPFamily

    public init(mode: Mode, family: IPFamily) {
        self.mode = mode
        self.family = family
    }

    /// `iptables-nft`, `ip6tables-legacy-restore`, …
    public func name(_ suffix: String = "") -> String {
        "\(family == .ipv6 ? "ip6tables" : "iptables")-\(mode.rawValue)\(suffix.isEmpty ? "" : "-" + suffix)"
    }

    public struct Output: Sendable {
        public var status: Int32
        public var stdout: String
        public var stderr: String
    }

    /// Runs `arguments` (the tool's name first), feeding `input` on standard input.
    public static func run(_ arguments: [String], input: [UInt8]? = nil) throws(IptablesError) -> Output {
        let process = Process()
        let directories = ["/usr/sbin", "/sbin", "/usr/bin", "/bin"]
            + (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":").map(String.init)
        guard let path = directories.map({ "\($0)/\(arguments[0])" }).first(where: FileManager.default.isExecutableFile) else {
            throw .tool(command: arguments[0], status: 127, output: "not installed (apt install iptables)")
        }
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = Array(arguments.dropFirst())
        let stdin = Pipe(), stdout = Pipe(), stderr = Pipe()
        process.standardInput = stdin
        process.standardOutput = stdout
        process.standardError = stderr
        signal(SIGPIPE, SIG_IGN)
        do {
            try process.run()
        } catch {
            throw .tool(command: arguments.joined(separator: " "), status: 127, output: "\(error)")
        }
        let group = DispatchGroup()
        let errors = ErrorBox()
        DispatchQueue.global().async(group: group) {
            if let input { try? stdin.fileHandleForWriting.write(contentsOf: input) }
            try? stdin.fileHandleForWriting.close()
        }
        DispatchQueue.global().async(group: group) {
            errors.set(stderr.fileHandleForReading.readDataToEndOfFile())
        }
        let out = stdout.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        group.wait()
        return Output(status: process.terminationStatus, stdout: String(decoding: out, as: UTF8.self),
                      stderr: String(decoding: errors.get(), as: UTF8.self))
    }

    /// Runs the tool and throws unless it exits 0.
    @discardableResult
    public static func check(_ arguments: [String], input: [UInt8]? = nil) throws(IptablesError) -> Output {
        let output = try run(arguments, input: input)
        guard output.status == 0 else {
            throw .tool(command: arguments.joined(separator: " "), status: output.status, output: output.stderr + output.stdout)
        }
        return output
    }
}

private final class ErrorBox: @unchecked Sendable {
    private let lock = NSLock()
    private var data = Data()
    func set(_ value: Data) { lock.lock(); data = value; lock.unlock() }
    func get() -> Data { lock.lock(); defer { lock.unlock() }; return data }
}

/// Which iptables the host uses, found the way Kubernetes' iptables wrappers find it:
/// kubelet's hint chains first, then which side holds more rules, then the default binary.
public enum IptablesMode {
    public static func detect(family: IPFamily) -> (mode: IptablesTool.Mode, reason: String) {
        let hints = ["KUBE-IPTABLES-HINT", "KUBE-KUBELET-CANARY"]
        var lines: [IptablesTool.Mode: Int] = [:]
        for mode in [IptablesTool.Mode.nft, .legacy] {
            let tool = IptablesTool(mode: mode, family: family)
            guard let mangle = try? IptablesTool.run([tool.name("save"), "-t", "mangle"]), mangle.status == 0 else { continue }
            if hints.contains(where: mangle.stdout.contains) {
                return (mode, "kubelet's hint chain is in the \(mode.rawValue) tables")
            }
            let all = (try? IptablesTool.run([tool.name("save")]))?.stdout ?? ""
            lines[mode] = all.split(separator: "\n").filter { $0.hasPrefix("-") }.count
        }
        let legacy = lines[.legacy] ?? 0, nft = lines[.nft] ?? 0
        if legacy != nft {
            let mode: IptablesTool.Mode = legacy > nft ? .legacy : .nft
            return (mode, "\(max(legacy, nft)) rules in the \(mode.rawValue) tables against \(min(legacy, nft))")
        }
        let version = (try? IptablesTool.run([family == .ipv6 ? "ip6tables" : "iptables", "--version"]))?.stdout ?? ""
        if version.contains("nf_tables") { return (.nft, "no rules yet; the host's default iptables is nf_tables") }
        return (.legacy, "no rules yet; the host's default iptables is legacy")
    }
}
