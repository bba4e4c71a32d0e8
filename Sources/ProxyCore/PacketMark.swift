/// A packet mark test: the bits of `mask` must equal `value`.
public struct PacketMark: Hashable, Sendable {
    public var value: UInt32
    public var mask: UInt32

    public init(value: UInt32, mask: UInt32) {
        self.value = value
        self.mask = mask
    }

    /// One bit, set: kube-proxy's masquerade mark (bit 14 gives `0x00004000/0x00004000`).
    public static func bit(_ bit: Int) -> PacketMark {
        let value = UInt32(1) << UInt32(bit)
        return PacketMark(value: value, mask: value)
    }
}
