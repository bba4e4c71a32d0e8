#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import ServiceModel

/// A rule as `iptables-save` prints it once installed — a different normal form from the
/// restore text we write: the address part first (`-s`, `-d`, `-i`, `-p`), hosts with their
/// length (`/32`), every comment quoted, `--set-xmark` for marks, probabilities with eleven
/// decimals as the kernel stores them, `recent` with its defaults spelled out. Comparing this
/// with what `iptables-nft-save` prints tells which chains a sync through iptables-restore
/// must rewrite.
public enum SaveFormRenderer {
    public static func text(_ rule: Rule, family: IPFamily) -> String {
        var parts: [String] = []
        for match in rule.matches {
            if case .source(let address, let negated) = match { parts.append((negated ? "! -s " : "-s ") + address.prefix.description) }
        }
        for match in rule.matches {
            if case .destination(let address, let negated) = match { parts.append((negated ? "! -d " : "-d ") + address.prefix.description) }
        }
        for match in rule.matches {
            if case .inInterface(let name, let negated) = match { parts.append((negated ? "! -i " : "-i ") + name) }
        }
        for match in rule.matches {
            if case .protocol(let proto) = match { parts.append("-p " + proto.lowercaseName) }
        }
        let port = rule.matches.lazy.compactMap { match -> Int? in
            if case .destinationPort(let port) = match { return port }
            return nil
        }.first
        for match in rule.matches {
            switch match {
            case .comment(let text):
                parts.append("-m comment --comment \"\(text)\"")
            case .protocol(let proto):
                parts.append("-m \(proto.lowercaseName)" + (port.map { " --dport \($0)" } ?? ""))
            case .sourceIsLocal:
                parts.append("-m addrtype --src-type LOCAL")
            case .destinationIsLocal:
                parts.append("-m addrtype --dst-type LOCAL")
            case .mark(let mark, let negated):
                parts.append("-m mark \(negated ? "! " : "")--mark \(hex(mark.value))/\(hex(mark.mask))")
            case .conntrackState(let states, let negated):
                let sorted = ConntrackState.renderOrder.filter(states.contains).map(\.rawValue).joined(separator: ",")
                parts.append("-m conntrack \(negated ? "! " : "")--ctstate \(sorted)")
            case .statistic(let probability):
                parts.append("-m statistic --mode random --probability " + elevenDecimals(Double(probability.kernelValue) / 2_147_483_648))
            case .recent(let name, let action):
                let mask = family == .ipv4 ? "255.255.255.255" : "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"
                switch action {
                case .set: parts.append("-m recent --set --name \(name) --mask \(mask) --rsource")
                case .check(let seconds): parts.append("-m recent --rcheck --seconds \(seconds) --reap --name \(name) --mask \(mask) --rsource")
                }
            case .source, .destination, .inInterface, .destinationPort:
                continue
            }
        }
        switch rule.target {
        case nil: break
        case .jump(let chain): parts.append("-j \(chain)")
        case .accept: parts.append("-j ACCEPT")
        case .drop: parts.append("-j DROP")
        case .return: parts.append("-j RETURN")
        case .reject: parts.append("-j REJECT --reject-with " + (family == .ipv4 ? "icmp-port-unreachable" : "icmp6-port-unreachable"))
        case .dnat(let address, let port):
            parts.append("-j DNAT --to-destination " + address.withPort(port))
        case .masquerade(let randomFully): parts.append("-j MASQUERADE" + (randomFully ? " --random-fully" : ""))
        case .orMark(let bits): parts.append("-j MARK --set-xmark \(hex(bits))/\(hex(bits))")
        case .xorMark(let bits): parts.append("-j MARK --set-xmark \(hex(bits))/0x0")
        }
        return parts.joined(separator: " ")
    }

    static func hex(_ value: UInt32) -> String { "0x" + String(value, radix: 16) }

    /// `%.11f` of a probability, as C's printf writes it.
    static func elevenDecimals(_ value: Double) -> String {
        withUnsafeTemporaryAllocation(of: CChar.self, capacity: 32) { buffer in
            _ = withVaList([value]) { vsnprintf(buffer.baseAddress!, 32, "%.11f", $0) }
            return String(cString: buffer.baseAddress!)
        }
    }
}
