import CNftnl

/// The kernel expressions our rules are made of, as nft itself encodes them (its `--debug
/// netlink` listing shows the same): each builder allocates one libnftnl expression; the
/// rule it is added to owns and frees it.
enum NftNetlinkExpression {
    /// nft's registers: 16-byte ones for single values, 4-byte ones for concatenations.
    static let verdictRegister: UInt32 = 0
    static let register1: UInt32 = 1
    static let register2: UInt32 = 2
    static let firstWordRegister: UInt32 = 8

    static func payload(_ base: UInt32, offset: UInt32, length: UInt32, into register: UInt32 = register1) -> OpaquePointer {
        let expression = nftnl_expr_alloc("payload")!
        nftnl_expr_set_u32(expression, nftnlAttribute(NFTNL_EXPR_PAYLOAD_DREG), register)
        nftnl_expr_set_u32(expression, nftnlAttribute(NFTNL_EXPR_PAYLOAD_BASE), base)
        nftnl_expr_set_u32(expression, nftnlAttribute(NFTNL_EXPR_PAYLOAD_OFFSET), offset)
        nftnl_expr_set_u32(expression, nftnlAttribute(NFTNL_EXPR_PAYLOAD_LEN), length)
        return expression
    }

    static func meta(_ key: UInt32, into register: UInt32 = register1) -> OpaquePointer {
        let expression = nftnl_expr_alloc("meta")!
        nftnl_expr_set_u32(expression, nftnlAttribute(NFTNL_EXPR_META_KEY), key)
        nftnl_expr_set_u32(expression, nftnlAttribute(NFTNL_EXPR_META_DREG), register)
        return expression
    }

    static func setMeta(_ key: UInt32, from register: UInt32 = register1) -> OpaquePointer {
        let expression = nftnl_expr_alloc("meta")!
        nftnl_expr_set_u32(expression, nftnlAttribute(NFTNL_EXPR_META_KEY), key)
        nftnl_expr_set_u32(expression, nftnlAttribute(NFTNL_EXPR_META_SREG), register)
        return expression
    }

    static func compare(_ op: UInt32, _ data: [UInt8], register: UInt32 = register1) -> OpaquePointer {
        let expression = nftnl_expr_alloc("cmp")!
        nftnl_expr_set_u32(expression, nftnlAttribute(NFTNL_EXPR_CMP_SREG), register)
        nftnl_expr_set_u32(expression, nftnlAttribute(NFTNL_EXPR_CMP_OP), op)
        set(expression, nftnlAttribute(NFTNL_EXPR_CMP_DATA), data)
        return expression
    }

    /// `register = (register & mask) ^ xor`.
    static func bitwise(mask: [UInt8], xor: [UInt8], register: UInt32 = register1) -> OpaquePointer {
        let expression = nftnl_expr_alloc("bitwise")!
        nftnl_expr_set_u32(expression, nftnlAttribute(NFTNL_EXPR_BITWISE_SREG), register)
        nftnl_expr_set_u32(expression, nftnlAttribute(NFTNL_EXPR_BITWISE_DREG), register)
        nftnl_expr_set_u32(expression, nftnlAttribute(NFTNL_EXPR_BITWISE_LEN), UInt32(mask.count))
        set(expression, nftnlAttribute(NFTNL_EXPR_BITWISE_MASK), mask)
        set(expression, nftnlAttribute(NFTNL_EXPR_BITWISE_XOR), xor)
        return expression
    }

    static func immediate(_ data: [UInt8], into register: UInt32) -> OpaquePointer {
        let expression = nftnl_expr_alloc("immediate")!
        nftnl_expr_set_u32(expression, nftnlAttribute(NFTNL_EXPR_IMM_DREG), register)
        set(expression, nftnlAttribute(NFTNL_EXPR_IMM_DATA), data)
        return expression
    }

    static func verdict(_ verdict: NftVerdict, family: UInt32) -> OpaquePointer {
        if verdict == .reject { return reject(family: family) }
        let expression = nftnl_expr_alloc("immediate")!
        nftnl_expr_set_u32(expression, nftnlAttribute(NFTNL_EXPR_IMM_DREG), verdictRegister)
        nftnl_expr_set_u32(expression, nftnlAttribute(NFTNL_EXPR_IMM_VERDICT), UInt32(bitPattern: code(verdict)))
        if let chain = verdict.chain { _ = nftnl_expr_set_str(expression, nftnlAttribute(NFTNL_EXPR_IMM_CHAIN), chain) }
        return expression
    }

    /// The kernel's number for a verdict (in an immediate or a verdict map element).
    static func code(_ verdict: NftVerdict) -> Int32 {
        switch verdict {
        case .jump: NFT_JUMP.rawValue
        case .goto: NFT_GOTO.rawValue
        case .return: NFT_RETURN.rawValue
        case .drop, .reject: Int32(NF_DROP)
        case .accept: Int32(NF_ACCEPT)
        }
    }

    /// `reject`: ICMP port unreachable (ICMPv6 in an ip6 table).
    static func reject(family: UInt32) -> OpaquePointer {
        let expression = nftnl_expr_alloc("reject")!
        nftnl_expr_set_u32(expression, nftnlAttribute(NFTNL_EXPR_REJECT_TYPE), NFT_REJECT_ICMP_UNREACH.rawValue)
        nftnl_expr_set_u8(expression, nftnlAttribute(NFTNL_EXPR_REJECT_CODE), family == UInt32(NFPROTO_IPV6) ? 4 : 3)
        return expression
    }

    /// A set lookup; with `into`, a map lookup whose value goes to that register.
    static func lookup(set name: String, id: UInt32?, register: UInt32 = register1, into result: UInt32? = nil,
                       inverted: Bool = false) -> OpaquePointer {
        let expression = nftnl_expr_alloc("lookup")!
        nftnl_expr_set_u32(expression, nftnlAttribute(NFTNL_EXPR_LOOKUP_SREG), register)
        _ = nftnl_expr_set_str(expression, nftnlAttribute(NFTNL_EXPR_LOOKUP_SET), name)
        if let id { nftnl_expr_set_u32(expression, nftnlAttribute(NFTNL_EXPR_LOOKUP_SET_ID), id) }
        if let result { nftnl_expr_set_u32(expression, nftnlAttribute(NFTNL_EXPR_LOOKUP_DREG), result) }
        if inverted { nftnl_expr_set_u32(expression, nftnlAttribute(NFTNL_EXPR_LOOKUP_FLAGS), NFT_LOOKUP_F_INV.rawValue) }
        return expression
    }

    static func randomNumber(modulus: UInt32) -> OpaquePointer {
        let expression = nftnl_expr_alloc("numgen")!
        nftnl_expr_set_u32(expression, nftnlAttribute(NFTNL_EXPR_NG_DREG), register1)
        nftnl_expr_set_u32(expression, nftnlAttribute(NFTNL_EXPR_NG_MODULUS), modulus)
        nftnl_expr_set_u32(expression, nftnlAttribute(NFTNL_EXPR_NG_TYPE), UInt32(NFT_NG_RANDOM.rawValue))
        nftnl_expr_set_u32(expression, nftnlAttribute(NFTNL_EXPR_NG_OFFSET), 0)
        return expression
    }

    static func connectionState() -> OpaquePointer {
        let expression = nftnl_expr_alloc("ct")!
        nftnl_expr_set_u32(expression, nftnlAttribute(NFTNL_EXPR_CT_KEY), NFT_CT_STATE.rawValue)
        nftnl_expr_set_u32(expression, nftnlAttribute(NFTNL_EXPR_CT_DREG), register1)
        return expression
    }

    /// `fib saddr type` / `fib daddr type`.
    static func addressType(ofSource: Bool) -> OpaquePointer {
        let expression = nftnl_expr_alloc("fib")!
        let flags = ofSource ? NFTA_FIB_F_SADDR.rawValue : NFTA_FIB_F_DADDR.rawValue
        nftnl_expr_set_u32(expression, nftnlAttribute(NFTNL_EXPR_FIB_FLAGS), flags)
        nftnl_expr_set_u32(expression, nftnlAttribute(NFTNL_EXPR_FIB_RESULT), NFT_FIB_RESULT_ADDRTYPE.rawValue)
        nftnl_expr_set_u32(expression, nftnlAttribute(NFTNL_EXPR_FIB_DREG), register1)
        return expression
    }

    static func masquerade(fullyRandom: Bool) -> OpaquePointer {
        let expression = nftnl_expr_alloc("masq")!
        if fullyRandom {
            nftnl_expr_set_u32(expression, nftnlAttribute(NFTNL_EXPR_MASQ_FLAGS), UInt32(NF_NAT_RANGE_PROTO_RANDOM_FULLY))
        }
        return expression
    }

    /// `dnat to` the address in register 1 and the port in register 2.
    static func destinationNAT(family: UInt32) -> OpaquePointer {
        let expression = nftnl_expr_alloc("nat")!
        nftnl_expr_set_u32(expression, nftnlAttribute(NFTNL_EXPR_NAT_TYPE), NFT_NAT_DNAT.rawValue)
        nftnl_expr_set_u32(expression, nftnlAttribute(NFTNL_EXPR_NAT_FAMILY), family)
        nftnl_expr_set_u32(expression, nftnlAttribute(NFTNL_EXPR_NAT_REG_ADDR_MIN), register1)
        nftnl_expr_set_u32(expression, nftnlAttribute(NFTNL_EXPR_NAT_REG_PROTO_MIN), register2)
        nftnl_expr_set_u32(expression, nftnlAttribute(NFTNL_EXPR_NAT_FLAGS), UInt32(NF_NAT_RANGE_PROTO_SPECIFIED))
        return expression
    }

    /// `update @set { <register 1> }`.
    static func update(set name: String) -> OpaquePointer {
        let expression = nftnl_expr_alloc("dynset")!
        nftnl_expr_set_u32(expression, nftnlAttribute(NFTNL_EXPR_DYNSET_SREG_KEY), register1)
        nftnl_expr_set_u32(expression, nftnlAttribute(NFTNL_EXPR_DYNSET_OP), UInt32(NFT_DYNSET_OP_UPDATE.rawValue))
        _ = nftnl_expr_set_str(expression, nftnlAttribute(NFTNL_EXPR_DYNSET_SET_NAME), name)
        return expression
    }

    /// Copies `data` into the expression (libnftnl keeps its own copy).
    private static func set(_ expression: OpaquePointer, _ attribute: UInt16, _ data: [UInt8]) {
        data.withUnsafeBytes { raw in _ = nftnl_expr_set(expression, attribute, raw.baseAddress, UInt32(data.count)) }
    }
}
