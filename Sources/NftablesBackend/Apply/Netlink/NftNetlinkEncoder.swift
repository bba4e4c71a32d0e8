import CNftnl
import ProxyCore
import ServiceModel

/// Turns an ``NftTransaction`` into one netlink batch, each command into the messages nft
/// itself would send for its text (the same objects, expressions and user data), so the
/// kernel's table reads back the same whichever way it was written.
struct NftNetlinkEncoder {
    let family: IPFamily
    private(set) var batch: NftNetlinkBatch
    /// Anonymous sets (a rule's `{ … }`, a `numgen` map) are named by the kernel; the rule
    /// finds its set by this number within the batch.
    private var nextSetID: UInt32 = 1

    /// The address family number nf_tables uses for the table.
    var protocolFamily: UInt16 { UInt16(family == .ipv4 ? NFPROTO_IPV4 : NFPROTO_IPV6) }

    /// The batch that applies `transaction`.
    static func batch(_ transaction: NftTransaction, firstSequence: UInt32) -> NftNetlinkBatch {
        var encoder = NftNetlinkEncoder(family: transaction.family, batch: NftNetlinkBatch(firstSequence: firstSequence))
        for (index, command) in transaction.commands.enumerated() {
            encoder.batch.command = index
            encoder.encode(command)
        }
        encoder.batch.finish()
        return encoder.batch
    }

    mutating func encode(_ command: NftCommand) {
        switch command {
        case .addTable: addTable()
        case .addChain(let chain): addChain(chain)
        case .flushChain(let name): flushChain(name)
        case .deleteChain(let name): deleteChain(name)
        case .addRule(let chain, let rule): addRule(rule, to: chain)
        case .addSet(let set): addSet(set)
        case .addMap(let map): addMap(map)
        case .flushSet(let name), .flushMap(let name): flushElements(of: name)
        case .deleteSet(let name): deleteSet(name)
        case .addSetElement(let set, let address):
            elements(of: set, adding: true) { [NftNetlinkObjects.element(key: NftAddressRanges.bytes(address))] }
        case .deleteSetElement(let set, let address):
            elements(of: set, adding: false) { [NftNetlinkObjects.element(key: NftAddressRanges.bytes(address))] }
        case .addMapElement(let map, let element):
            let family = family
            elements(of: map, adding: true) { [NftNetlinkObjects.element(element, family: family)] }
        case .deleteMapElement(let map, let element):
            let family = family
            elements(of: map, adding: false) { [NftNetlinkObjects.element(element, family: family)] }
        }
    }

    // MARK: - Tables, chains, sets

    private mutating func addTable() {
        let table = nftnl_table_alloc()!
        defer { nftnl_table_free(table) }
        _ = nftnl_table_set_str(table, nftnlAttribute(NFTNL_TABLE_NAME), NftRuleset.tableName)
        nftnl_table_set_u32(table, nftnlAttribute(NFTNL_TABLE_FAMILY), UInt32(protocolFamily))
        nftnl_table_set_u32(table, nftnlAttribute(NFTNL_TABLE_FLAGS), 0)
        NftNetlinkObjects.comment(NftRuleset.tableComment, type: UInt8(NFTNL_UDATA_TABLE_COMMENT.rawValue)) { data, length in
            _ = nftnl_table_set_data(table, nftnlAttribute(NFTNL_TABLE_USERDATA), data, length)
        }
        message(NFT_MSG_NEWTABLE, flags: NLM_F_CREATE) { nftnl_table_nlmsg_build_payload($0, table) }
    }

    private mutating func addChain(_ chain: NftChain) {
        let object = newChain(chain.name)
        defer { nftnl_chain_free(object) }
        if let hook = chain.hook {
            nftnl_chain_set_u32(object, nftnlAttribute(NFTNL_CHAIN_HOOKNUM), Self.hookNumber(hook.hook))
            nftnl_chain_set_s32(object, nftnlAttribute(NFTNL_CHAIN_PRIO), Int32(hook.priority))
            _ = nftnl_chain_set_str(object, nftnlAttribute(NFTNL_CHAIN_TYPE), hook.kind.rawValue)
        }
        if let comment = chain.comment {
            NftNetlinkObjects.comment(comment, type: UInt8(NFTNL_UDATA_CHAIN_COMMENT.rawValue)) { data, length in
                _ = nftnl_chain_set_data(object, nftnlAttribute(NFTNL_CHAIN_USERDATA), data, length)
            }
        }
        message(NFT_MSG_NEWCHAIN, flags: NLM_F_CREATE) { nftnl_chain_nlmsg_build_payload($0, object) }
    }

    private mutating func deleteChain(_ name: String) {
        let object = newChain(name)
        defer { nftnl_chain_free(object) }
        message(NFT_MSG_DELCHAIN, flags: 0) { nftnl_chain_nlmsg_build_payload($0, object) }
    }

    private mutating func flushChain(_ name: String) {
        let rule = newRule(in: name)
        defer { nftnl_rule_free(rule) }
        message(NFT_MSG_DELRULE, flags: 0) { nftnl_rule_nlmsg_build_payload($0, rule) }
    }

    private mutating func addSet(_ set: NftSet) {
        let object = newSet(set.name)
        defer { nftnl_set_free(object) }
        nftnl_set_set_u32(object, nftnlAttribute(NFTNL_SET_KEY_TYPE), family == .ipv4 ? NftNetlinkObjects.ipv4Type : NftNetlinkObjects.ipv6Type)
        nftnl_set_set_u32(object, nftnlAttribute(NFTNL_SET_KEY_LEN), family == .ipv4 ? 4 : 16)
        if let seconds = set.timeoutSeconds {
            nftnl_set_set_u32(object, nftnlAttribute(NFTNL_SET_FLAGS), NFT_SET_TIMEOUT.rawValue | NFT_SET_EVAL.rawValue)
            nftnl_set_set_u64(object, nftnlAttribute(NFTNL_SET_TIMEOUT), UInt64(seconds) * 1000)
        } else {
            nftnl_set_set_u32(object, nftnlAttribute(NFTNL_SET_FLAGS), 0)
        }
        nftnl_set_set_u32(object, nftnlAttribute(NFTNL_SET_ID), takeSetID())
        NftNetlinkObjects.setUserData(object, keyByteOrder: NftNetlinkObjects.bigEndian, comment: set.comment)
        message(NFT_MSG_NEWSET, flags: NLM_F_CREATE) { nftnl_set_nlmsg_build_payload($0, object) }
    }

    private mutating func addMap(_ map: NftMap) {
        let object = newSet(map.name)
        defer { nftnl_set_free(object) }
        let (type, length) = NftNetlinkObjects.keyType(map.key, family: family)
        nftnl_set_set_u32(object, nftnlAttribute(NFTNL_SET_FLAGS), NFT_SET_MAP.rawValue)
        nftnl_set_set_u32(object, nftnlAttribute(NFTNL_SET_KEY_TYPE), type)
        nftnl_set_set_u32(object, nftnlAttribute(NFTNL_SET_KEY_LEN), length)
        nftnl_set_set_u32(object, nftnlAttribute(NFTNL_SET_DATA_TYPE), NFT_DATA_VERDICT.rawValue)
        nftnl_set_set_u32(object, nftnlAttribute(NFTNL_SET_DATA_LEN), 0)
        nftnl_set_set_u32(object, nftnlAttribute(NFTNL_SET_ID), takeSetID())
        NftNetlinkObjects.setUserData(object, keyByteOrder: NftNetlinkObjects.unknownOrder,
                                      dataByteOrder: NftNetlinkObjects.unknownOrder, comment: map.comment)
        message(NFT_MSG_NEWSET, flags: NLM_F_CREATE) { nftnl_set_nlmsg_build_payload($0, object) }
    }

    private mutating func deleteSet(_ name: String) {
        let object = newSet(name)
        defer { nftnl_set_free(object) }
        message(NFT_MSG_DELSET, flags: 0) { nftnl_set_nlmsg_build_payload($0, object) }
    }

    /// A set's or map's elements all deleted.
    private mutating func flushElements(of name: String) {
        let object = newSet(name)
        defer { nftnl_set_free(object) }
        message(NFT_MSG_DELSETELEM, flags: 0) { nftnl_set_elems_nlmsg_build_payload($0, object) }
    }

    /// Elements added to or deleted from a named set or map.
    private mutating func elements(of name: String, adding: Bool, _ make: () -> [OpaquePointer]) {
        let object = newSet(name)
        defer { nftnl_set_free(object) }
        for element in make() { nftnl_set_elem_add(object, element) }
        message(adding ? NFT_MSG_NEWSETELEM : NFT_MSG_DELSETELEM, flags: adding ? NLM_F_CREATE : 0) {
            nftnl_set_elems_nlmsg_build_payload($0, object)
        }
    }

    // MARK: - Rules

    private mutating func addRule(_ rule: NftRule, to chain: String) {
        let object = newRule(in: chain)
        defer { nftnl_rule_free(object) }
        var builder = NftNetlinkRuleBuilder(family: family)
        builder.add(rule)
        for set in builder.anonymousSets { addAnonymousSet(set, id: takeSetID(), into: &builder) }
        for expression in builder.expressions(resolvingSetIDs: builder.setIDs) { nftnl_rule_add_expr(object, expression) }
        if let comment = rule.comment {
            NftNetlinkObjects.comment(comment, type: UInt8(NFTNL_UDATA_RULE_COMMENT.rawValue)) { data, length in
                _ = nftnl_rule_set_data(object, nftnlAttribute(NFTNL_RULE_USERDATA), data, length)
            }
        }
        message(NFT_MSG_NEWRULE, flags: NLM_F_CREATE | NLM_F_APPEND) { nftnl_rule_nlmsg_build_payload($0, object) }
    }

    /// Declares a rule's anonymous set and its elements, before the rule that looks it up.
    private mutating func addAnonymousSet(_ set: NftNetlinkRuleBuilder.AnonymousSet, id: UInt32,
                                          into builder: inout NftNetlinkRuleBuilder) {
        builder.setIDs.append(id)
        let object = newSet(set.name)
        defer { nftnl_set_free(object) }
        nftnl_set_set_u32(object, nftnlAttribute(NFTNL_SET_FLAGS), set.flags)
        nftnl_set_set_u32(object, nftnlAttribute(NFTNL_SET_KEY_TYPE), set.keyType)
        nftnl_set_set_u32(object, nftnlAttribute(NFTNL_SET_KEY_LEN), set.keyLength)
        if set.isMap {
            nftnl_set_set_u32(object, nftnlAttribute(NFTNL_SET_DATA_TYPE), NFT_DATA_VERDICT.rawValue)
            nftnl_set_set_u32(object, nftnlAttribute(NFTNL_SET_DATA_LEN), 0)
        }
        nftnl_set_set_u32(object, nftnlAttribute(NFTNL_SET_ID), id)
        nftnl_set_set_u32(object, nftnlAttribute(NFTNL_SET_DESC_SIZE), UInt32(set.elements.count))
        NftNetlinkObjects.setUserData(object, keyByteOrder: set.keyByteOrder,
                                      dataByteOrder: set.isMap ? NftNetlinkObjects.unknownOrder : nil,
                                      mergesElements: !set.isMap, comment: nil)
        message(NFT_MSG_NEWSET, flags: NLM_F_CREATE) { nftnl_set_nlmsg_build_payload($0, object) }
        let elements = newSet(set.name)
        defer { nftnl_set_free(elements) }
        nftnl_set_set_u32(elements, nftnlAttribute(NFTNL_SET_ID), id)
        for element in set.elements { nftnl_set_elem_add(elements, element.make()) }
        message(NFT_MSG_NEWSETELEM, flags: NLM_F_CREATE) { nftnl_set_elems_nlmsg_build_payload($0, elements) }
    }

    // MARK: - Helpers

    private mutating func takeSetID() -> UInt32 {
        defer { nextSetID += 1 }
        return nextSetID
    }

    private mutating func message(_ type: nf_tables_msg_types, flags: Int32,
                                  _ payload: (UnsafeMutablePointer<nlmsghdr>) -> Void) {
        let family = protocolFamily
        batch.appendMessage { buffer, sequence in
            guard let header = nftnl_nlmsg_build_hdr(buffer, UInt16(type.rawValue), family, UInt16(flags), sequence) else { return nil }
            payload(header)
            return header
        }
    }

    private func newChain(_ name: String) -> OpaquePointer {
        let chain = nftnl_chain_alloc()!
        _ = nftnl_chain_set_str(chain, nftnlAttribute(NFTNL_CHAIN_TABLE), NftRuleset.tableName)
        _ = nftnl_chain_set_str(chain, nftnlAttribute(NFTNL_CHAIN_NAME), name)
        nftnl_chain_set_u32(chain, nftnlAttribute(NFTNL_CHAIN_FAMILY), UInt32(protocolFamily))
        return chain
    }

    private func newRule(in chain: String) -> OpaquePointer {
        let rule = nftnl_rule_alloc()!
        _ = nftnl_rule_set_str(rule, nftnlAttribute(NFTNL_RULE_TABLE), NftRuleset.tableName)
        _ = nftnl_rule_set_str(rule, nftnlAttribute(NFTNL_RULE_CHAIN), chain)
        nftnl_rule_set_u32(rule, nftnlAttribute(NFTNL_RULE_FAMILY), UInt32(protocolFamily))
        return rule
    }

    private func newSet(_ name: String) -> OpaquePointer {
        let set = nftnl_set_alloc()!
        _ = nftnl_set_set_str(set, nftnlAttribute(NFTNL_SET_TABLE), NftRuleset.tableName)
        _ = nftnl_set_set_str(set, nftnlAttribute(NFTNL_SET_NAME), name)
        nftnl_set_set_u32(set, nftnlAttribute(NFTNL_SET_FAMILY), UInt32(protocolFamily))
        return set
    }

    static func hookNumber(_ hook: NftBaseChain.Hook) -> UInt32 {
        switch hook {
        case .prerouting: NF_INET_PRE_ROUTING.rawValue
        case .input: NF_INET_LOCAL_IN.rawValue
        case .forward: NF_INET_FORWARD.rawValue
        case .output: NF_INET_LOCAL_OUT.rawValue
        case .postrouting: NF_INET_POST_ROUTING.rawValue
        }
    }
}
