import CNftnl
import ProxyCore
import ServiceModel

/// One rule's kernel expressions, in nft's own encoding of the same text: loads into
/// registers, comparisons, lookups, and the statement. Anonymous sets the rule needs are
/// gathered first; their batch-local ids are known once the encoder has declared them.
struct NftNetlinkRuleBuilder {
    /// An anonymous set (or `numgen` map) a rule looks up.
    struct AnonymousSet {
        /// A set element to make: key, interval-end flag, verdict.
        struct Element {
            var key: [UInt8]
            var intervalEnd = false
            var verdict: NftVerdict?

            func make() -> OpaquePointer {
                if let verdict { return NftNetlinkObjects.element(key: key, verdict: verdict) }
                return NftNetlinkObjects.element(key: key, flags: intervalEnd ? NFT_SET_ELEM_INTERVAL_END.rawValue : nil)
            }
        }

        var name: String
        var flags: UInt32
        var keyType: UInt32
        var keyLength: UInt32
        var keyByteOrder: UInt32
        var isMap: Bool
        var elements: [Element]
    }

    private enum Step {
        case expression(OpaquePointer)
        /// A lookup in the rule's `index`th anonymous set.
        case anonymousLookup(index: Int, result: UInt32?, inverted: Bool)
    }

    let family: IPFamily
    private var steps: [Step] = []
    private(set) var anonymousSets: [AnonymousSet] = []
    /// The batch ids of ``anonymousSets``, in order, once declared.
    var setIDs: [UInt32] = []

    init(family: IPFamily) {
        self.family = family
    }

    private var isIPv4: Bool { family == .ipv4 }
    private var natFamily: UInt32 { UInt32(isIPv4 ? NFPROTO_IPV4 : NFPROTO_IPV6) }
    private var addressLength: UInt32 { isIPv4 ? 4 : 16 }
    private var network: UInt32 { NFT_PAYLOAD_NETWORK_HEADER.rawValue }
    private var transport: UInt32 { NFT_PAYLOAD_TRANSPORT_HEADER.rawValue }

    /// The expressions in order, lookups of anonymous sets pointing at `ids`.
    func expressions(resolvingSetIDs ids: [UInt32]) -> [OpaquePointer] {
        steps.map { step in
            switch step {
            case .expression(let expression): expression
            case .anonymousLookup(let index, let result, let inverted):
                NftNetlinkExpression.lookup(set: anonymousSets[index].name, id: ids[index], into: result, inverted: inverted)
            }
        }
    }

    mutating func add(_ rule: NftRule) {
        for match in rule.matches { add(match) }
        add(rule.statement)
    }

    private mutating func append(_ expressions: OpaquePointer...) {
        steps += expressions.map { .expression($0) }
    }

    // MARK: - Matches

    private mutating func add(_ match: NftMatch) {
        typealias E = NftNetlinkExpression
        switch match {
        case .connectionIsNew:
            append(E.connectionState(), E.bitwise(mask: Self.word(0x08), xor: Self.word(0)),
                   E.compare(NFT_CMP_NEQ.rawValue, Self.word(0)))
        case .destination(let test): add(test, offset: isIPv4 ? 16 : 24)
        case .source(let test): add(test, offset: isIPv4 ? 12 : 8)
        case .inInterface(let name, let negated):
            // `veth*` compares the prefix's bytes; a whole name is compared with its NULs.
            var bytes = Array(name.utf8)
            if bytes.last == UInt8(ascii: "*") { bytes.removeLast() } else { bytes += Array(repeating: 0, count: 16 - bytes.count) }
            append(E.meta(NFT_META_IIFNAME.rawValue), E.compare(negated ? NFT_CMP_NEQ.rawValue : NFT_CMP_EQ.rawValue, bytes))
        case .destinationPort(let proto, let port):
            append(E.meta(NFT_META_L4PROTO.rawValue), E.compare(NFT_CMP_EQ.rawValue, [proto.ipProtocolNumber]),
                   E.payload(transport, offset: 2, length: 2), E.compare(NFT_CMP_EQ.rawValue, Self.port(port)))
        case .destinationIsLocal:
            append(E.addressType(ofSource: false), E.compare(NFT_CMP_EQ.rawValue, Self.word(Self.localAddressType)))
        case .sourceIsLocal:
            append(E.addressType(ofSource: true), E.compare(NFT_CMP_EQ.rawValue, Self.word(Self.localAddressType)))
        case .markClear(let mark):
            append(E.meta(NFT_META_MARK.rawValue), E.bitwise(mask: Self.word(mark), xor: Self.word(0)),
                   E.compare(NFT_CMP_EQ.rawValue, Self.word(0)))
        }
    }

    /// An address test on the header field at `offset`, as nft narrows it: a prefix on a
    /// byte boundary loads only its bytes; any other prefix is masked.
    private mutating func add(_ test: NftAddressTest, offset: UInt32) {
        typealias E = NftNetlinkExpression
        let op = test.negated ? NFT_CMP_NEQ.rawValue : NFT_CMP_EQ.rawValue
        switch test.operand {
        case .address(let match):
            addAddress(match, offset: offset, op: op)
        case .anonymousSet(let members) where members.count == 1:
            // nft writes a set of one member as a comparison with it.
            addAddress(members[0], offset: offset, op: op)
        case .anonymousSet(let members):
            addSetLookup(NftAddressRanges.merged(members.map(\.prefix)), offset: offset, negated: test.negated)
        case .namedSet(let name):
            append(E.payload(network, offset: offset, length: addressLength),
                   E.lookup(set: name, id: nil, inverted: test.negated))
        }
    }

    private mutating func addSetLookup(_ ranges: [NftAddressRanges.Range], offset: UInt32, negated: Bool) {
        append(NftNetlinkExpression.payload(network, offset: offset, length: addressLength))
        anonymousSets.append(intervalSet(ranges))
        steps.append(.anonymousLookup(index: anonymousSets.count - 1, result: nil, inverted: negated))
    }

    private mutating func addAddress(_ match: AddressMatch, offset: UInt32, op: UInt32) {
        typealias E = NftNetlinkExpression
        let prefix = match.prefix
        let bytes = NftAddressRanges.bytes(prefix.address)
        if prefix.length > 0 && prefix.length % 8 == 0 {
            // On a byte boundary: only the prefix's bytes are loaded and compared.
            let length = prefix.length / 8
            append(E.payload(network, offset: offset, length: UInt32(length)), E.compare(op, Array(bytes.prefix(length))))
            return
        }
        // Otherwise the whole address, masked.
        let mask = (0..<bytes.count).map { index in
            UInt8(truncatingIfNeeded: 0xff << (8 - max(0, min(8, prefix.length - index * 8))))
        }
        append(E.payload(network, offset: offset, length: addressLength),
               E.bitwise(mask: mask, xor: [UInt8](repeating: 0, count: bytes.count)),
               E.compare(op, zip(bytes, mask).map { $0 & $1 }))
    }

    /// An anonymous interval set of `ranges`, as nft writes one: each a start and an end one
    /// past it, the gap below the first marked by an end at zero.
    private func intervalSet(_ ranges: [NftAddressRanges.Range]) -> AnonymousSet {
        let zero = [UInt8](repeating: 0, count: Int(addressLength))
        var elements: [AnonymousSet.Element] = []
        if let first = ranges.first, first.start != zero { elements.append(.init(key: zero, intervalEnd: true)) }
        for range in ranges {
            elements.append(.init(key: range.start))
            if let end = range.end { elements.append(.init(key: end, intervalEnd: true)) }
        }
        let type = isIPv4 ? NftNetlinkObjects.ipv4Type : NftNetlinkObjects.ipv6Type
        return AnonymousSet(name: NftAnonymousSetName.next(isMap: false),
                            flags: NFT_SET_ANONYMOUS.rawValue | NFT_SET_CONSTANT.rawValue | NFT_SET_INTERVAL.rawValue,
                            keyType: type, keyLength: addressLength, keyByteOrder: NftNetlinkObjects.bigEndian,
                            isMap: false, elements: elements)
    }

    // MARK: - Statements

    private mutating func add(_ statement: NftStatement) {
        typealias E = NftNetlinkExpression
        let concatenated = E.firstWordRegister
        switch statement {
        case .verdict(let verdict):
            append(E.verdict(verdict, family: natFamily))
        case .destinationMap(let map):
            let words = addressLength / 4
            append(E.payload(network, offset: isIPv4 ? 16 : 24, length: addressLength),
                   E.meta(NFT_META_L4PROTO.rawValue, into: concatenated + words),
                   E.payload(transport, offset: 2, length: 2, into: concatenated + words + 1),
                   E.lookup(set: map, id: nil, into: E.verdictRegister))
        case .portMap(let map):
            append(E.meta(NFT_META_L4PROTO.rawValue), E.payload(transport, offset: 2, length: 2, into: concatenated + 1),
                   E.lookup(set: map, id: nil, into: E.verdictRegister))
        case .randomChain(let chains):
            append(E.randomNumber(modulus: UInt32(chains.count)))
            let elements = chains.enumerated().map { index, chain in
                AnonymousSet.Element(key: Self.word(UInt32(index)), verdict: .goto(chain))
            }
            anonymousSets.append(AnonymousSet(name: NftAnonymousSetName.next(isMap: true),
                                              flags: NFT_SET_ANONYMOUS.rawValue | NFT_SET_CONSTANT.rawValue | NFT_SET_MAP.rawValue,
                                              keyType: NftNetlinkObjects.integerType, keyLength: 4,
                                              keyByteOrder: NftNetlinkObjects.hostOrder, isMap: true, elements: elements))
            steps.append(.anonymousLookup(index: anonymousSets.count - 1, result: E.verdictRegister, inverted: false))
        case .setMark(let mark):
            append(E.meta(NFT_META_MARK.rawValue), E.bitwise(mask: Self.word(~mark), xor: Self.word(mark)),
                   E.setMeta(NFT_META_MARK.rawValue))
        case .toggleMark(let mark):
            append(E.meta(NFT_META_MARK.rawValue), E.bitwise(mask: Self.word(0xffff_ffff), xor: Self.word(mark)),
                   E.setMeta(NFT_META_MARK.rawValue))
        case .masquerade(let fullyRandom):
            append(E.masquerade(fullyRandom: fullyRandom))
        case .dnat(let proto, let address, let port):
            append(E.meta(NFT_META_L4PROTO.rawValue), E.compare(NFT_CMP_EQ.rawValue, [proto.ipProtocolNumber]),
                   E.immediate(NftAddressRanges.bytes(address), into: E.register1),
                   E.immediate(Self.port(port), into: E.register2), E.destinationNAT(family: natFamily))
        case .rememberSource(let set):
            append(E.payload(network, offset: isIPv4 ? 12 : 8, length: addressLength), E.update(set: set))
        }
    }

    // MARK: - Bytes

    /// The route type of a local address (`RTN_LOCAL`), what `fib … type local` compares.
    static let localAddressType: UInt32 = 2

    /// A 32-bit value as a register holds it (host order: marks, states, numgen results).
    static func word(_ value: UInt32) -> [UInt8] { withUnsafeBytes(of: value, Array.init) }

    /// A port in network order.
    static func port(_ port: Int) -> [UInt8] { [UInt8(port >> 8 & 0xff), UInt8(port & 0xff)] }
}
