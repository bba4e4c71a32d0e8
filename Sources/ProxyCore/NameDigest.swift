import CSHA256

/// SHA-256 (FIPS 180-4) of the short inputs chain names are hashed from, computed on the
/// stack: no hasher object, no allocation. A large cluster names a hundred thousand chains
/// per full plan, and a general-purpose hasher's set-up cost was most of the time spent
/// naming them. Blocks run through the CPU's SHA instructions where it has them (the
/// CSHA256 target), else through the portable code here. Both are checked against
/// swift-crypto's digests in the tests.
package enum NameDigest {
    /// Whether blocks go through the CPU's SHA instructions.
    package static let accelerated = kpx_sha256_accelerated() == 1
    /// The digest's eight words, most significant byte first when written out.
    package typealias Words = (UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32)

    /// The SHA-256 digest of `message`, as 32 bytes into `output`.
    ///
    /// - Parameter portable: use the portable code even where the CPU has SHA instructions.
    package static func sha256(_ message: UnsafeRawBufferPointer, into output: UnsafeMutableRawBufferPointer,
                       portable: Bool = false) {
        let compress = accelerated && !portable ? compressAccelerated : compress
        precondition(output.count >= 32)
        var state: Words = (0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
                            0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19)
        let whole = message.count / 64
        for block in 0..<whole {
            compress(&state, UnsafeRawBufferPointer(rebasing: message[(block * 64)..<(block * 64 + 64)]))
        }
        // The rest of the message, the 0x80 byte, zeros and the bit length: one or two blocks.
        var tail: (UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64,
                   UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64)
            = (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        withUnsafeMutableBytes(of: &tail) { tail in
            let rest = message.count - whole * 64
            if rest > 0 {
                tail.baseAddress!.copyMemory(from: message.baseAddress! + whole * 64, byteCount: rest)
            }
            tail[rest] = 0x80
            let blocks = rest < 56 ? 1 : 2
            let bits = UInt64(message.count) * 8
            tail.storeBytes(of: bits.bigEndian, toByteOffset: blocks * 64 - 8, as: UInt64.self)
            for block in 0..<blocks {
                compress(&state, UnsafeRawBufferPointer(rebasing: tail[(block * 64)..<(block * 64 + 64)]))
            }
        }
        withUnsafeBytes(of: state) { words in
            for index in 0..<8 {
                let word = words.load(fromByteOffset: index * 4, as: UInt32.self)
                output.storeBytes(of: word.bigEndian, toByteOffset: index * 4, as: UInt32.self)
            }
        }
    }

    /// One 64-byte block into the state, with the CPU's SHA instructions.
    private static func compressAccelerated(_ state: inout Words, _ block: UnsafeRawBufferPointer) {
        withUnsafeMutableBytes(of: &state) { words in
            kpx_sha256_blocks(words.baseAddress!.assumingMemoryBound(to: UInt32.self),
                              block.baseAddress!.assumingMemoryBound(to: UInt8.self), 1)
        }
    }

    /// One 64-byte block into the state.
    private static func compress(_ state: inout Words, _ block: UnsafeRawBufferPointer) {
        withUnsafeTemporaryAllocation(of: UInt32.self, capacity: 64) { schedule in
            for index in 0..<16 {
                schedule[index] = UInt32(bigEndian: block.loadUnaligned(fromByteOffset: index * 4, as: UInt32.self))
            }
            for index in 16..<64 {
                let early = schedule[index - 15], late = schedule[index - 2]
                let sigma0 = rotate(early, 7) ^ rotate(early, 18) ^ (early &>> 3)
                let sigma1 = rotate(late, 17) ^ rotate(late, 19) ^ (late &>> 10)
                schedule[index] = schedule[index - 16] &+ sigma0 &+ schedule[index - 7] &+ sigma1
            }
            var (a, b, c, d, e, f, g, h) = state
            withUnsafeBytes(of: kpx_sha256_round_constants) { table in
                let constants = table.assumingMemoryBound(to: UInt32.self)
                for index in 0..<64 {
                    let sum1 = rotate(e, 6) ^ rotate(e, 11) ^ rotate(e, 25)
                    let choice = g ^ (e & (f ^ g))
                    let first = h &+ sum1 &+ choice &+ constants[index] &+ schedule[index]
                    let sum0 = rotate(a, 2) ^ rotate(a, 13) ^ rotate(a, 22)
                    let majority = (a & b) | (c & (a | b))
                    let second = sum0 &+ majority
                    h = g; g = f; f = e; e = d &+ first
                    d = c; c = b; b = a; a = first &+ second
                }
            }
            state = (state.0 &+ a, state.1 &+ b, state.2 &+ c, state.3 &+ d,
                     state.4 &+ e, state.5 &+ f, state.6 &+ g, state.7 &+ h)
        }
    }

    @inline(__always)
    private static func rotate(_ value: UInt32, _ count: UInt32) -> UInt32 {
        (value &>> count) | (value &<< (32 &- count))
    }
}
