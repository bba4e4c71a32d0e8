import Foundation
import ProxyCore
import ServiceModel

/// The host's features found as kube-proxy finds them at start-up, with a line for each
/// saying what was read and what it changes in the rules:
/// - MASQUERADE `--random-fully` when the iptables tools are 1.6.2 or later (without the
///   tools, when the kernel is 3.13 or later, the first to support it);
/// - no `--ctstate INVALID -j DROP` rule when `nf_conntrack_tcp_be_liberal` is set;
/// - whether `nf_conntrack` is loaded (its sysctls exist).
public struct HostProbe: Sendable {
    public var features: HostFeatures
    /// What was found, one line each, for the log.
    public var findings: [String]

    public init(features: HostFeatures, findings: [String]) {
        self.features = features
        self.findings = findings
    }

    /// Where the probe reads the host: `/proc/sys` and the iptables tools of `family`.
    public static func probe(family: IPFamily, procSys: String = "/proc/sys") -> HostProbe {
        var features = HostFeatures()
        var findings: [String] = []
        let (randomFully, versionFinding) = randomFullySupport(family: family, procSys: procSys)
        features.masqueradeRandomFully = randomFully
        findings.append(versionFinding)
        let conntrack = procSys + "/net/netfilter"
        if let liberal = readNumber(conntrack + "/nf_conntrack_tcp_be_liberal") {
            features.dropInvalidConntrack = liberal == 0
            findings.append("nf_conntrack loaded; nf_conntrack_tcp_be_liberal=\(liberal): "
                            + (liberal == 0 ? "INVALID packets dropped in KUBE-FORWARD" : "no INVALID drop rule"))
        } else {
            findings.append("nf_conntrack not loaded (no \(conntrack)): INVALID packets dropped in KUBE-FORWARD; "
                            + "the kernel loads nf_conntrack with the first rule that needs it")
        }
        return HostProbe(features: features, findings: findings)
    }

    /// The first of `iptables`, `iptables-nft`, `iptables-legacy` (ip6tables for IPv6) that
    /// answers `--version`, else the kernel's release.
    static func randomFullySupport(family: IPFamily, procSys: String) -> (Bool, String) {
        let base = family == .ipv6 ? "ip6tables" : "iptables"
        for tool in [base, base + "-nft", base + "-legacy"] {
            guard let output = try? IptablesTool.run([tool, "--version"], timeout: .seconds(5)), output.status == 0,
                  let version = version(in: output.stdout, after: "v") else { continue }
            let supported = version.lexicographicallyPrecedes([1, 6, 2]) == false
            return (supported, "\(tool) v\(version.map(String.init).joined(separator: ".")): "
                    + (supported ? "MASQUERADE --random-fully" : "MASQUERADE without --random-fully (needs 1.6.2)"))
        }
        let release = (try? String(contentsOfFile: procSys + "/kernel/osrelease", encoding: .utf8)) ?? ""
        guard let version = version(in: release, after: "") else {
            return (true, "no iptables tool and no kernel release to read: MASQUERADE --random-fully")
        }
        let supported = version.lexicographicallyPrecedes([3, 13]) == false
        return (supported, "no iptables tool; kernel \(release.trimmingCharacters(in: .whitespacesAndNewlines)): "
                + (supported ? "MASQUERADE --random-fully" : "MASQUERADE without --random-fully (needs 3.13)"))
    }

    /// The dotted numbers after `prefix` at the start of a word: `[1, 8, 9]` in
    /// `iptables v1.8.9 (nf_tables)`.
    static func version(in text: String, after prefix: String) -> [Int]? {
        for word in text.split(whereSeparator: \.isWhitespace) where word.hasPrefix(prefix) {
            let numbers = word.dropFirst(prefix.count).prefix { $0.isNumber || $0 == "." }.split(separator: ".").compactMap { Int($0) }
            if numbers.count >= 2 { return numbers }
        }
        return nil
    }

    static func readNumber(_ path: String) -> Int? {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return nil }
        return Int(text.trimmingCharacters(in: .whitespacesAndNewlines))
    }
}
