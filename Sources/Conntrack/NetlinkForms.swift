import CNetfilterConntrack
#if canImport(Glibc)
import Glibc
#endif
import ServiceModel

// The numbers and structs the netlink side speaks, beside the values they stand for.

extension ConntrackEntry {
    /// The entry libnetfilter_conntrack lent, or `nil` for a protocol we do not model.
    init?(_ raw: kpx_ct_entry) {
        guard let proto = L4Protocol(ipProtocolNumber: raw.protocol) else { return nil }
        let v6 = raw.family == UInt8(AF_INET6)
        func address(_ value: kpx_ct_address) -> IPAddress {
            v6 ? .v6(IPv6Address(high: value.high, low: value.low)) : .v4(IPv4Address(UInt32(truncatingIfNeeded: value.low)))
        }
        self.init(protocol: proto, originalSource: address(raw.original_source), originalSourcePort: Int(raw.original_source_port),
                  originalDestination: address(raw.original_destination),
                  originalDestinationPort: Int(raw.original_destination_port), replySource: address(raw.reply_source),
                  zone: Int(raw.zone))
    }

    /// The C form, for deleting.
    var raw: kpx_ct_entry {
        func address(_ ip: IPAddress) -> kpx_ct_address {
            switch ip {
            case .v4(let v4): return kpx_ct_address(high: 0, low: UInt64(v4.value))
            case .v6(let v6): return kpx_ct_address(high: v6.high, low: v6.low)
            }
        }
        return kpx_ct_entry(family: family.addressFamily, protocol: `protocol`.ipProtocolNumber, zone: UInt16(zone),
                            original_source_port: UInt16(originalSourcePort),
                            original_destination_port: UInt16(originalDestinationPort),
                            original_source: address(originalSource), original_destination: address(originalDestination),
                            reply_source: address(replySource))
    }
}

extension L4Protocol {
    /// The IP protocol number (IANA): 6, 17, 132.
    var ipProtocolNumber: UInt8 {
        switch self {
        case .tcp: return UInt8(IPPROTO_TCP)
        case .udp: return UInt8(IPPROTO_UDP)
        case .sctp: return UInt8(IPPROTO_SCTP)
        }
    }

    init?(ipProtocolNumber: UInt8) {
        guard let match = Self.allCases.first(where: { $0.ipProtocolNumber == ipProtocolNumber }) else { return nil }
        self = match
    }
}

extension IPFamily {
    /// AF_INET or AF_INET6.
    var addressFamily: UInt8 { self == .ipv6 ? UInt8(AF_INET6) : UInt8(AF_INET) }
}
