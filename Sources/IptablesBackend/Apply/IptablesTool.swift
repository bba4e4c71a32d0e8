import Foundation
import ProxyCore
import ServiceModel

/// The iptables command-line tools of one mode and family (`iptables-nft-restore`,
/// `ip6tables-legacy-save`, …), run as child processes (``ChildProcess``).
public struct IptablesTool: Sendable {
    /// Which iptables: its raw value is the suffix of the tools' names.
    public enum Mode: String, Sendable {
        /// iptables-legacy: the x_tables kernel tables.
        case legacy
        /// iptables-nft: iptables rules kept in nf_tables tables (not the nftables proxy
        /// mode, which writes nftables rules of its own).
        case iptablesNft = "nft"
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

    public typealias Output = ChildProcess.Output

    /// ``ChildProcess/run(_:input:timeout:)``, its failure to start as an ``IptablesError``.
    public static func run(_ arguments: [String], input: [UInt8]? = nil,
                           timeout: Duration? = nil) throws(IptablesError) -> Output {
        try reportingStartFailure { () throws(ChildProcessError) in try ChildProcess.run(arguments, input: input, timeout: timeout) }
    }

    /// ``ChildProcess/run(_:timeout:writeInput:)``, its failure to start as an ``IptablesError``.
    public static func run(_ arguments: [String], timeout: Duration? = nil,
                           writeInput: @escaping @Sendable (Int32) -> Void) throws(IptablesError) -> Output {
        try reportingStartFailure { () throws(ChildProcessError) in
            try ChildProcess.run(arguments, timeout: timeout, writeInput: writeInput)
        }
    }

    /// `body`'s failure to start a child as the ``IptablesError`` a shell would report.
    private static func reportingStartFailure(_ body: () throws(ChildProcessError) -> Output) throws(IptablesError) -> Output {
        do {
            return try body()
        } catch {
            throw .tool(command: error.command, status: error.status, output: error.reason)
        }
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

/// Which iptables the host uses, found the way Kubernetes' iptables wrappers find it:
/// kubelet's hint chains first, then which side holds more rules, then the default binary.
public enum IptablesMode {
    public static func detect(family: IPFamily) -> (mode: IptablesTool.Mode, reason: String) {
        let hints = ["KUBE-IPTABLES-HINT", "KUBE-KUBELET-CANARY"]
        var lines: [IptablesTool.Mode: Int] = [:]
        for mode in [IptablesTool.Mode.iptablesNft, .legacy] {
            let tool = IptablesTool(mode: mode, family: family)
            guard let mangle = try? IptablesTool.run([tool.name("save"), "-t", "mangle"]), mangle.status == 0 else { continue }
            if hints.contains(where: mangle.stdout.contains) {
                return (mode, "kubelet's hint chain is in the \(mode.rawValue) tables")
            }
            let all = (try? IptablesTool.run([tool.name("save")]))?.stdout ?? ""
            lines[mode] = all.split(separator: "\n").filter { $0.hasPrefix("-") }.count
        }
        let legacy = lines[.legacy] ?? 0, nft = lines[.iptablesNft] ?? 0
        if legacy != nft {
            let mode: IptablesTool.Mode = legacy > nft ? .legacy : .iptablesNft
            return (mode, "\(max(legacy, nft)) rules in the \(mode.rawValue) tables against \(min(legacy, nft))")
        }
        let version = (try? IptablesTool.run([family == .ipv6 ? "ip6tables" : "iptables", "--version"]))?.stdout ?? ""
        if version.contains("nf_tables") { return (.iptablesNft, "no rules yet; the host's default iptables is nf_tables") }
        return (.legacy, "no rules yet; the host's default iptables is legacy")
    }
}
