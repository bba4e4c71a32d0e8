import ProxyCore
import ServiceModel

/// Reads kernel entries back into rules: the inverse of ``EntryEncoder`` for every match and
/// target a service proxy writes. Rules other tools wrote may hold extensions we do not
/// know; those decode to `nil`, and ``describe(_:)`` names what they hold.
public struct EntryDecoder: Sendable {
    public let family: IPFamily

    public init(family: IPFamily) {
        self.family = family
    }

    private struct Reader {
        let bytes: [UInt8]
        func u8(_ offset: Int) -> UInt8 { bytes[offset] }
        func u16(_ offset: Int) -> UInt16 { UInt16(bytes[offset]) | UInt16(bytes[offset + 1]) << 8 }
        func u32(_ offset: Int) -> UInt32 {
            UInt32(u16(offset)) | UInt32(u16(offset + 2)) << 16
        }
        func u16BigEndian(_ offset: Int) -> UInt16 { UInt16(bytes[offset]) << 8 | UInt16(bytes[offset + 1]) }
        func string(_ offset: Int, size: Int) -> String {
            String(decoding: bytes[offset..<(offset + size)].prefix { $0 != 0 }, as: UTF8.self)
        }
        func address(_ offset: Int, family: IPFamily) -> IPAddress {
            if family == .ipv4 {
                return .v4(IPv4Address(UInt32(bytes[offset]) << 24 | UInt32(bytes[offset + 1]) << 16
                                       | UInt32(bytes[offset + 2]) << 8 | UInt32(bytes[offset + 3])))
            }
            var high: UInt64 = 0, low: UInt64 = 0
            for index in 0..<8 { high = high << 8 | UInt64(bytes[offset + index]) }
            for index in 8..<16 { low = low << 8 | UInt64(bytes[offset + index]) }
            return .v6(IPv6Address(high: high, low: low))
        }
    }

    /// The rule an entry holds, or `nil` when it uses something we never write.
    public func rule(_ entry: KernelEntry) -> Rule? {
        let reader = Reader(bytes: entry.bytes)
        let width = family == .ipv4 ? 4 : 16
        let header = family == .ipv4 ? 112 : 168
        let inverse = reader.u8(family == .ipv4 ? 83 : 132)
        var addressMatches: [Match] = []
        for (index, source) in [true, false].enumerated() {
            let mask = Array(entry.bytes[(2 * width + index * width)..<(3 * width + index * width)])
            let length = mask.reduce(0) { $0 + $1.nonzeroBitCount }
            guard length > 0 || inverse & (source ? 0x08 : 0x10) != 0 else { continue }
            let address = reader.address(index * width, family: family)
            let match: AddressMatch = length == width * 8 ? .host(address) : .network(IPPrefix(address: address, length: length)!)
            addressMatches.append(source ? .source(match, negated: inverse & 0x08 != 0) : .destination(match, negated: inverse & 0x10 != 0))
        }
        let interface = reader.string(family == .ipv4 ? 16 : 64, size: 16)
        if !interface.isEmpty {
            let maskLength = entry.bytes[(family == .ipv4 ? 48 : 96)..<(family == .ipv4 ? 64 : 112)].prefix { $0 == 0xFF }.count
            addressMatches.append(.inInterface(maskLength == interface.utf8.count ? interface + "+" : interface, negated: inverse & 0x01 != 0))
        }
        if entry.bytes[(family == .ipv4 ? 32 : 80)] != 0 { return nil }  // -o: never written by us
        let protoNumber = reader.u16(family == .ipv4 ? 80 : 128)
        let targetOffset = Int(reader.u16(family == .ipv4 ? 88 : 140))
        var matches: [Match] = []
        var protoSeen = false
        var offset = header
        while offset < targetOffset {
            let size = Int(reader.u16(offset))
            let name = reader.string(offset + 2, size: 29)
            let revision = reader.u8(offset + 31)
            let payload = offset + 32
            guard size >= 32 else { return nil }
            switch (name, revision) {
            case ("comment", 0):
                matches.append(.comment(reader.string(payload, size: 256)))
            case ("tcp", 0), ("udp", 0), ("sctp", 0):
                guard let proto = L4Protocol(lowercaseName: name), UInt16(proto.ipProtocolNumber) == protoNumber else { return nil }
                protoSeen = true
                matches.append(.protocol(proto))
                matches += addressMatches
                addressMatches = []
                let (low, high) = name == "sctp" ? (reader.u16(payload), reader.u16(payload + 2))
                                                 : (reader.u16(payload + 4), reader.u16(payload + 6))
                if low == high && (name != "sctp" || low != 0) { matches.append(.destinationPort(Int(low))) }
            case ("addrtype", 1):
                let source = reader.u16(payload), destination = reader.u16(payload + 2), flags = reader.u32(payload + 4)
                guard flags == 0 else { return nil }
                if source == 0x0004 { matches.append(.sourceIsLocal) }
                if destination == 0x0004 { matches.append(.destinationIsLocal) }
            case ("mark", 1):
                matches.append(.mark(PacketMark(value: reader.u32(payload), mask: reader.u32(payload + 4)),
                                     negated: reader.u8(payload + 8) != 0))
            case ("conntrack", 3):
                let mask = reader.u16(payload + 150)
                let states = ConntrackState.allCases.filter { mask & $0.kernelBit != 0 }
                    .sorted { ConntrackState.renderOrder.firstIndex(of: $0)! < ConntrackState.renderOrder.firstIndex(of: $1)! }
                matches.append(.conntrackState(states, negated: reader.u16(payload + 148) & 1 != 0))
            case ("statistic", 0):
                let value = reader.u32(payload + 4)
                guard value > 0 else { return nil }
                matches.append(.statistic(Probability(oneIn: max(1, Int((2_147_483_648.0 / Double(value)).rounded())))))
            case ("recent", 1):
                let seconds = Int(reader.u32(payload)), check = reader.u8(payload + 8)
                guard let list = ChainName(reader.string(payload + 10, size: 200)) else { return nil }
                matches.append(.recent(name: list, check & 0x02 != 0 ? .set : .check(seconds: seconds)))
            default:
                return nil
            }
            offset += size
        }
        if protoNumber != 0 && !protoSeen { return nil }
        // Address tests come first in the entry; put them after the comment, where we write them.
        let commentCount = matches.prefix { if case .comment = $0 { true } else { false } }.count
        matches.insert(contentsOf: addressMatches, at: commentCount)
        guard let target = target(entry, reader: reader, at: targetOffset) else { return nil }
        return Rule(matches, target.value)
    }

    private struct DecodedTarget { var value: Target? }

    private func target(_ entry: KernelEntry, reader: Reader, at offset: Int) -> DecodedTarget? {
        let payload = offset + 32
        switch entry.targetLabel {
        case "": return DecodedTarget(value: nil)
        case "ACCEPT": return DecodedTarget(value: .accept)
        case "DROP": return DecodedTarget(value: .drop)
        case "RETURN": return DecodedTarget(value: .return)
        case "REJECT": return DecodedTarget(value: .reject)
        case "DNAT":
            guard reader.u8(offset + 31) == 2 else { return nil }
            return DecodedTarget(value: .dnat(reader.address(payload + 4, family: family), port: Int(reader.u16BigEndian(payload + 36))))
        case "MASQUERADE":
            let flags = family == .ipv4 ? reader.u32(payload + 4) : reader.u32(payload)
            return DecodedTarget(value: .masquerade(randomFully: flags & 0x10 != 0))
        case "MARK":
            let mark = reader.u32(payload), mask = reader.u32(payload + 4)
            if mask == 0 { return DecodedTarget(value: .xorMark(mark)) }
            if mask == mark { return DecodedTarget(value: .orMark(mark)) }
            return nil
        default:
            guard let chain = ChainName(entry.targetLabel) else { return nil }
            return DecodedTarget(value: .jump(chain))
        }
    }

    /// The rule's text when we can read it, otherwise what it holds: its matches and target.
    public func describe(_ entry: KernelEntry) -> String {
        if let rule = rule(entry) { return RestoreRenderer.text(rule) }
        let reader = Reader(bytes: entry.bytes)
        var names: [String] = []
        var offset = family == .ipv4 ? 112 : 168
        let targetOffset = Int(reader.u16(family == .ipv4 ? 88 : 140))
        while offset < targetOffset, reader.u16(offset) >= 32 {
            names.append("\(reader.string(offset + 2, size: 29)) rev \(reader.u8(offset + 31))")
            offset += Int(reader.u16(offset))
        }
        return "(a rule we do not write: matches \(names.isEmpty ? "none" : names.joined(separator: ", ")); target \(entry.targetLabel.isEmpty ? "none" : entry.targetLabel))"
    }
}

extension ConntrackState {
    /// The order iptables prints states in.
    static let renderOrder: [ConntrackState] = [.invalid, .new, .related, .established, .untracked, .snat, .dnat]
}
