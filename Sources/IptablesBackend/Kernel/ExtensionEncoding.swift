import ProxyCore
import ServiceModel

/// The payloads of the matches and targets a service proxy writes, laid out as iptables 1.8
/// fills them (see the UAPI headers named on each function).
enum ExtensionEncoding {
    /// Starts an `xt_entry_match` / `xt_entry_target` (32-byte header) and returns the offset
    /// of its size field; call ``finish(_:at:into:)`` after writing the payload.
    static func header(name: String, revision: UInt8, into writer: inout ByteWriter) -> Int {
        let start = writer.count
        writer.u16(0)
        writer.cString(name, size: 29)
        writer.u8(revision)
        return start
    }

    /// Pads the payload to 8 bytes and records the size.
    static func finish(_ start: Int, into writer: inout ByteWriter) {
        writer.zeros(xtAlign(writer.count - start) - (writer.count - start))
        writer.set(UInt16(writer.count - start), at: start)
    }

    /// xt_comment_info: the text in 256 bytes.
    static func comment(_ text: String, into writer: inout ByteWriter) {
        let start = header(name: "comment", revision: 0, into: &writer)
        writer.cString(text, size: 256)
        finish(start, into: &writer)
    }

    /// xt_tcp / xt_udp (source ports 0–65535 and destination ports `port` or 0–65535, host
    /// order), or xt_sctp_info (destination ports first; an absent range is 0,0).
    static func portMatch(_ proto: L4Protocol, destinationPort: Int?, into writer: inout ByteWriter) {
        let start = header(name: proto.lowercaseName, revision: 0, into: &writer)
        let low = UInt16(destinationPort ?? 0)
        let high = destinationPort.map { UInt16($0) } ?? 0xFFFF
        switch proto {
        case .tcp:
            writer.u16(0); writer.u16(0xFFFF); writer.u16(low); writer.u16(high)
            writer.zeros(4)  // option, flg_mask, flg_cmp, invflags
        case .udp:
            writer.u16(0); writer.u16(0xFFFF); writer.u16(low); writer.u16(high)
            writer.zeros(2)  // invflags, padding
        case .sctp:
            let port = UInt16(destinationPort ?? 0)
            writer.u16(port); writer.u16(port)  // dpts
            writer.u16(0); writer.u16(0)        // spts
            writer.zeros(256)                   // chunkmap
            writer.u32(0)                       // chunk_match_type
            for _ in 0..<4 { writer.u8(0xFF); writer.u8(0); writer.u8(0) }  // flag_info
            writer.u32(0)                       // flag_count
            writer.u32(destinationPort == nil ? 0 : 0x02)  // flags: XT_SCTP_DEST_PORTS
            writer.u32(0)                       // invflags
        }
        finish(start, into: &writer)
    }

    /// xt_addrtype_info_v1 with LOCAL (1 << RTN_LOCAL) as the source or destination type.
    static func addrtype(source: Bool, into writer: inout ByteWriter) {
        let start = header(name: "addrtype", revision: 1, into: &writer)
        writer.u16(source ? 0x0004 : 0); writer.u16(source ? 0 : 0x0004); writer.u32(0)
        finish(start, into: &writer)
    }

    /// xt_mark_mtinfo1.
    static func mark(_ mark: PacketMark, negated: Bool, into writer: inout ByteWriter) {
        let start = header(name: "mark", revision: 1, into: &writer)
        writer.u32(mark.value); writer.u32(mark.mask); writer.u8(negated ? 1 : 0)
        finish(start, into: &writer)
    }

    /// xt_conntrack_mtinfo3 with only the state test set.
    static func conntrack(_ states: [ConntrackState], negated: Bool, into writer: inout ByteWriter) {
        let start = header(name: "conntrack", revision: 3, into: &writer)
        let payload = writer.count
        writer.zeros(164)
        writer.set(UInt16(0x0001), at: payload + 146)                  // match_flags: XT_CONNTRACK_STATE
        writer.set(UInt16(negated ? 0x0001 : 0), at: payload + 148)    // invert_flags
        writer.set(states.reduce(UInt16(0)) { $0 | $1.kernelBit }, at: payload + 150)
        finish(start, into: &writer)
    }

    /// xt_statistic_info, random mode; iptables also stores the probability in the nth
    /// count field, and the kernel-private master pointer stays zero.
    static func statistic(_ probability: Probability, into writer: inout ByteWriter) {
        let start = header(name: "statistic", revision: 0, into: &writer)
        let value = probability.kernelValue
        writer.u16(0); writer.u16(0); writer.u32(value); writer.u32(0); writer.u32(value); writer.zeros(8)
        finish(start, into: &writer)
    }

    /// xt_recent_mtinfo_v1: `--rcheck --seconds N --reap` or `--set`, source side, full mask.
    static func recent(name: String, _ action: RecentAction, into writer: inout ByteWriter) {
        let start = header(name: "recent", revision: 1, into: &writer)
        switch action {
        case .set:
            writer.u32(0); writer.u32(0); writer.u8(0x02)
        case .check(let seconds):
            writer.u32(UInt32(seconds)); writer.u32(0); writer.u8(0x01 | 0x20)
        }
        writer.u8(0)                       // invert
        writer.cString(name, size: 200)
        writer.u8(0)                       // side: XT_RECENT_SOURCE
        writer.u8(0)                       // padding before the mask
        // Without --mask, iptables fills all 16 bytes of the mask, for IPv4 too.
        writer.bytes.append(contentsOf: repeatElement(0xFF, count: 16))
        finish(start, into: &writer)
    }

    /// The standard target: a verdict or chain label that libiptc resolves; "" falls through.
    static func standardTarget(label: String, into writer: inout ByteWriter) {
        let start = header(name: label, revision: 0, into: &writer)
        writer.u32(0)
        finish(start, into: &writer)
    }

    /// ipt_reject_info / ip6t_reject_info with the default ICMP port unreachable.
    static func reject(family: IPFamily, into writer: inout ByteWriter) {
        let start = header(name: "REJECT", revision: 0, into: &writer)
        writer.u32(family == .ipv4 ? 3 : 4)
        finish(start, into: &writer)
    }

    /// nf_nat_range2 (DNAT revision 2): one address and one port.
    static func dnat(_ address: IPAddress, port: Int, into writer: inout ByteWriter) {
        let start = header(name: "DNAT", revision: 2, into: &writer)
        writer.u32(0x01 | 0x02)  // NF_NAT_RANGE_MAP_IPS | NF_NAT_RANGE_PROTO_SPECIFIED
        for _ in 0..<2 {
            let before = writer.count
            writer.address(address)
            writer.zeros(16 - (writer.count - before))
        }
        writer.u16BigEndian(UInt16(port)); writer.u16BigEndian(UInt16(port))
        writer.u16(0)            // base_proto
        finish(start, into: &writer)
    }

    /// MASQUERADE: nf_nat_ipv4_multi_range_compat (IPv4) or nf_nat_range (IPv6).
    static func masquerade(randomFully: Bool, family: IPFamily, into writer: inout ByteWriter) {
        let start = header(name: "MASQUERADE", revision: 0, into: &writer)
        let flags: UInt32 = randomFully ? 0x10 : 0  // NF_NAT_RANGE_PROTO_RANDOM_FULLY
        if family == .ipv4 {
            writer.u32(1)        // rangesize
            writer.u32(flags)
            writer.zeros(12)     // min_ip, max_ip, min, max
        } else {
            writer.u32(flags)
            writer.zeros(36)     // min_addr, max_addr, min_proto, max_proto
        }
        finish(start, into: &writer)
    }

    /// xt_mark_tginfo2: new mark = (old & ~mask) ^ mark.
    static func markTarget(mark: UInt32, mask: UInt32, into writer: inout ByteWriter) {
        let start = header(name: "MARK", revision: 2, into: &writer)
        writer.u32(mark); writer.u32(mask)
        finish(start, into: &writer)
    }
}

extension ConntrackState {
    /// The state's bit in `xt_conntrack_mtinfo3.state_mask`.
    var kernelBit: UInt16 {
        switch self {
        case .invalid: 0x01
        case .established: 0x02
        case .related: 0x04
        case .new: 0x08
        case .snat: 0x40
        case .dnat: 0x80
        case .untracked: 0x100
        }
    }
}

extension Probability {
    /// The kernel's fixed-point form, from the ten-decimal text (as iptables computes it
    /// from the same text): round-half-away(p × 2³¹).
    public var kernelValue: UInt32 {
        denominator < Self.kernelValues.count ? Self.kernelValues[denominator] : Self.kernelValue(of: description)
    }

    private static let kernelValues: [UInt32] = (0...1024).map { $0 == 0 ? 0 : kernelValue(of: Probability(oneIn: $0).description) }

    private static func kernelValue(of text: String) -> UInt32 {
        let parsed = Double(text) ?? 0
        return UInt32(min(Double(UInt32.max), (parsed * 2_147_483_648).rounded(.toNearestOrAwayFromZero)))
    }
}
