/// RFC 4648 base32 with the standard alphabet (`A–Z`, `2–7`), without padding.
enum Base32 {
    private static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567".utf8)

    /// Encodes `bytes`; the output has `ceil(8 * count / 5)` characters.
    static func encode(_ bytes: some Sequence<UInt8>) -> String {
        var output: [UInt8] = []
        var buffer: UInt32 = 0
        var bits = 0
        for byte in bytes {
            buffer = buffer << 8 | UInt32(byte)
            bits += 8
            while bits >= 5 {
                bits -= 5
                output.append(alphabet[Int(buffer >> UInt32(bits) & 0x1F)])
            }
            buffer &= (1 << UInt32(bits)) - 1
        }
        if bits > 0 {
            output.append(alphabet[Int(buffer << UInt32(5 - bits) & 0x1F)])
        }
        return String(decoding: output, as: UTF8.self)
    }

    /// Writes the first `characters` characters of the encoding of `bytes` into `output`,
    /// which must have room for them; `bytes` must hold at least `5 * characters / 8`
    /// bytes (rounded up).
    static func encodePrefix(_ bytes: UnsafeRawBufferPointer, characters: Int,
                             into output: UnsafeMutableBufferPointer<UInt8>) {
        var buffer: UInt64 = 0
        var bits = 0
        var byteIndex = 0
        for index in 0..<characters {
            if bits < 5 {
                buffer = buffer << 8 | UInt64(bytes[byteIndex])
                byteIndex += 1
                bits += 8
            }
            bits -= 5
            output[index] = alphabet[Int(buffer >> UInt64(bits) & 0x1F)]
        }
    }
}
