/// RFC 4648 base32 with the standard alphabet (`A–Z`, `2–7`), without padding: as much of it
/// as chain names need (iptables' take 16 characters, nftables' 8).
package enum Base32 {
    /// Writes the first 16 characters of the encoding of `bytes` (which must hold at least
    /// 10) into `output`: chain names' hashes. The 80 bits are read as two big-endian words
    /// and cut into 5-bit groups without a loop over bytes.
    package static func encodeSixteen(_ bytes: UnsafeRawBufferPointer, into output: UnsafeMutableRawPointer) {
        let high = UInt64(bigEndian: bytes.loadUnaligned(fromByteOffset: 0, as: UInt64.self))
        let low = UInt64(UInt16(bigEndian: bytes.loadUnaligned(fromByteOffset: 8, as: UInt16.self)))
        for index in 0..<12 {
            output.storeBytes(of: character(UInt8(truncatingIfNeeded: high &>> UInt64(59 - 5 * index)) & 0x1F),
                              toByteOffset: index, as: UInt8.self)
        }
        output.storeBytes(of: character(UInt8(truncatingIfNeeded: (high & 0xF) &<< 1 | low &>> 15)),
                          toByteOffset: 12, as: UInt8.self)
        for index in 13..<16 {
            output.storeBytes(of: character(UInt8(truncatingIfNeeded: low &>> UInt64(10 - 5 * (index - 13))) & 0x1F),
                              toByteOffset: index, as: UInt8.self)
        }
    }

    /// The alphabet's character for a 5-bit value, computed rather than looked up.
    @inline(__always)
    private static func character(_ value: UInt8) -> UInt8 {
        value < 26 ? UInt8(ascii: "A") &+ value : UInt8(ascii: "2") &+ (value &- 26)
    }
}
