import CNftnl
import ServiceModel

/// What nft writes beside the kernel's own attributes so that it can list a table back: the
/// data types of set keys, their byte order, and comments, all as nft 1.0's user data.
enum NftNetlinkObjects {
    /// nft's data type numbers (its `enum datatypes`), and the shift that packs the types of
    /// a concatenation into one number.
    static let integerType: UInt32 = 4
    static let ipv4Type: UInt32 = 7
    static let ipv6Type: UInt32 = 8
    static let protocolType: UInt32 = 12
    static let serviceType: UInt32 = 13
    static let concatenationShift: UInt32 = 6

    /// nft's byte orders (`enum byteorder`): a concatenation's and a verdict's are unknown.
    static let unknownOrder: UInt32 = 0
    static let hostOrder: UInt32 = 1
    static let bigEndian: UInt32 = 2

    /// A verdict map's key: its packed type and its length (each part takes whole 4-byte
    /// registers).
    static func keyType(_ key: NftMap.Key, family: IPFamily) -> (type: UInt32, length: UInt32) {
        let protocolPort = (protocolType << concatenationShift) | serviceType
        switch key {
        case .protocolPort: return (protocolPort, 8)
        case .addressProtocolPort:
            let address = family == .ipv4 ? ipv4Type : ipv6Type
            let packed = (((address << concatenationShift) | protocolType) << concatenationShift) | serviceType
            return (packed, family == .ipv4 ? 12 : 24)
        }
    }

    /// A map element's key: the address, the protocol number and the port (network order),
    /// each padded to 4 bytes as the registers hold them.
    static func key(_ element: NftMap.Element) -> [UInt8] {
        var key = element.address.map(NftAddressRanges.bytes) ?? []
        key += [element.protocol.ipProtocolNumber, 0, 0, 0]
        key += [UInt8(element.port >> 8), UInt8(element.port & 0xff), 0, 0]
        return key
    }

    /// A set element with only a key.
    static func element(key: [UInt8], flags: UInt32? = nil) -> OpaquePointer {
        let element = nftnl_set_elem_alloc()!
        key.withUnsafeBytes { raw in _ = nftnl_set_elem_set(element, nftnlAttribute(NFTNL_SET_ELEM_KEY), raw.baseAddress, UInt32(key.count)) }
        if let flags { nftnl_set_elem_set_u32(element, nftnlAttribute(NFTNL_SET_ELEM_FLAGS), flags) }
        return element
    }

    /// A set element whose value is a verdict.
    static func element(key: [UInt8], verdict: NftVerdict) -> OpaquePointer {
        let element = self.element(key: key)
        nftnl_set_elem_set_u32(element, nftnlAttribute(NFTNL_SET_ELEM_VERDICT),
                               UInt32(bitPattern: NftNetlinkExpression.code(verdict)))
        if let chain = verdict.chain { _ = nftnl_set_elem_set_str(element, nftnlAttribute(NFTNL_SET_ELEM_CHAIN), chain) }
        return element
    }

    /// A verdict map's element, with kube-proxy's comment.
    static func element(_ element: NftMap.Element, family: IPFamily) -> OpaquePointer {
        let made = self.element(key: key(element), verdict: element.verdict)
        if let comment = element.comment {
            self.comment(comment, type: UInt8(NFTNL_UDATA_SET_ELEM_COMMENT.rawValue)) { data, length in
                _ = nftnl_set_elem_set(made, nftnlAttribute(NFTNL_SET_ELEM_USERDATA), data, length)
            }
        }
        return made
    }

    /// User data holding one comment (NUL-terminated, as nft writes it), handed to `use`.
    static func comment(_ text: String, type: UInt8, _ use: (UnsafeRawPointer, UInt32) -> Void) {
        withUserData({ buffer in _ = nftnl_udata_put_strz(buffer, type, text) }, use)
    }

    /// A set's user data: its key's (and a map's value's) byte order, whether nft merges
    /// adjacent intervals, its comment.
    static func setUserData(_ set: OpaquePointer, keyByteOrder: UInt32, dataByteOrder: UInt32? = nil,
                            mergesElements: Bool = false, comment: String?) {
        withUserData({ buffer in
            _ = nftnl_udata_put_u32(buffer, UInt8(NFTNL_UDATA_SET_KEYBYTEORDER.rawValue), keyByteOrder)
            if let dataByteOrder {
                _ = nftnl_udata_put_u32(buffer, UInt8(NFTNL_UDATA_SET_DATABYTEORDER.rawValue), dataByteOrder)
            }
            if mergesElements { _ = nftnl_udata_put_u32(buffer, UInt8(NFTNL_UDATA_SET_MERGE_ELEMENTS.rawValue), 1) }
            if let comment { _ = nftnl_udata_put_strz(buffer, UInt8(NFTNL_UDATA_SET_COMMENT.rawValue), comment) }
        }, { data, length in _ = nftnl_set_set_data(set, nftnlAttribute(NFTNL_SET_USERDATA), data, length) })
    }

    /// Builds user data with `fill` and hands its bytes to `use`; the buffer is freed
    /// afterwards (libnftnl copies what it is given).
    private static func withUserData(_ fill: (OpaquePointer) -> Void, _ use: (UnsafeRawPointer, UInt32) -> Void) {
        guard let buffer = nftnl_udata_buf_alloc(UInt32(NFTNL_UDATA_COMMENT_MAXLEN) * 4) else { return }
        defer { nftnl_udata_buf_free(buffer) }
        fill(buffer)
        if let data = nftnl_udata_buf_data(buffer) { use(data, nftnl_udata_buf_len(buffer)) }
    }
}
