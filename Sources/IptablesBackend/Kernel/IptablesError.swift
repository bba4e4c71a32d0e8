import Foundation
import ServiceModel

/// Why rules could not be encoded, read or applied. Every case names what failed, so a log
/// line is enough to act on.
public enum IptablesError: Error, CustomStringConvertible, Equatable, Codable {
    /// A rule the kernel would refuse, found before anything was sent.
    case unencodable(table: Table, chain: ChainName, rule: String, reason: String)
    /// A libiptc call failed: the operation, the table and chain, errno and libiptc's text.
    case kernel(operation: String, family: IPFamily, table: Table, chain: String?, errno: Int32, message: String)
    /// The xtables lock was held by someone else for longer than we wait.
    case lockTimeout(path: String, waitedMilliseconds: Int)
    /// The xtables lock file could not be opened.
    case lockFile(path: String, errno: Int32, message: String)
    /// Another writer kept changing the table: every attempt met EAGAIN.
    case tableBusy(family: IPFamily, table: Table, attempts: Int)
    /// An iptables tool (restore, save, -C/-I) failed.
    case tool(command: String, status: Int32, output: String)
    /// The exchange with a libiptc helper process failed (see ``LibiptcHelper``).
    case helper(String)
    /// Rules read from the kernel use something we do not write, so what the tables do to a
    /// packet cannot be told: each rule, with its table and chain.
    case unreadableRules(family: IPFamily, reader: String, rules: [String])
    /// A kernel setting under /proc/sys could not be set.
    case sysctl(path: String, errno: Int32, message: String)

    public var description: String {
        switch self {
        case .unencodable(let table, let chain, let rule, let reason):
            return "cannot encode rule in \(table) \(chain) (\(rule)): \(reason)"
        case .kernel(let operation, let family, let table, let chain, let errno, let message):
            let tool = family == .ipv6 ? "ip6tables" : "iptables"
            let place = chain.map { " chain \($0)" } ?? ""
            return "\(tool) \(table)\(place): \(operation) failed: \(message) (errno \(errno))"
        case .lockTimeout(let path, let waited):
            return "another program has held the xtables lock \(path) for \(waited) ms; giving up"
        case .lockFile(let path, let errno, let message):
            return "cannot open the xtables lock \(path): \(message) (errno \(errno))"
        case .tableBusy(let family, let table, let attempts):
            return "\(family == .ipv6 ? "ip6tables" : "iptables") \(table): the table changed under us \(attempts) times in a row (EAGAIN); nothing was applied"
        case .tool(let command, let status, let output):
            return "\(command) exited with status \(status): \(output.trimmingCharacters(in: .whitespacesAndNewlines))"
        case .helper(let message):
            return "libiptc helper: \(message)"
        case .unreadableRules(let family, let reader, let rules):
            let tool = family == .ipv6 ? "ip6tables" : "iptables"
            return "\(tool) (read with \(reader)) holds \(rules.count) rule(s) kproxy-iptables cannot read, "
                + "so no verdict is given:\n" + rules.map { "  " + $0 }.joined(separator: "\n")
        case .sysctl(let path, let errno, let message):
            return "\(path): \(message) (errno \(errno))"
        }
    }
}

extension IptablesError {
    /// Whether the failure is the kernel or a tool refusing us for want of privileges
    /// (EPERM or EACCES, or an iptables tool saying so), the one failure the user fixes by
    /// running as root rather than by changing anything else.
    public var isPermissionDenied: Bool {
        switch self {
        case .kernel(_, _, _, _, let errno, _), .lockFile(_, let errno, _), .sysctl(_, let errno, _):
            return errno == EPERM || errno == EACCES
        case .tool(_, _, let output):
            return output.contains("Permission denied") || output.contains("must be root")
        case .helper(let message):
            return message.contains("Permission denied") || message.contains("Operation not permitted")
        case .unencodable, .lockTimeout, .tableBusy, .unreadableRules:
            return false
        }
    }
}
