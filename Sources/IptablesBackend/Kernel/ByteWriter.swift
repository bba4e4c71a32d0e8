import ServiceModel

/// Appends the fields of kernel structures to a byte buffer: integers in host order unless
/// named `bigEndian`, fixed-size NUL-padded strings, and zero padding.
struct ByteWriter {
    var bytes: [UInt8] = []

    var count: Int { bytes.count }

    mutating func reset() {
        bytes.removeAll(keepingCapacity: true)
    }

    mutating func u8(_ value: UInt8) { bytes.append(value) }

    mutating func u16(_ value: UInt16) {
        withUnsafeBytes(of: value) { bytes.append(contentsOf: $0) }
    }

    mutating func u32(_ value: UInt32) {
        withUnsafeBytes(of: value) { bytes.append(contentsOf: $0) }
    }

    mutating func u16BigEndian(_ value: UInt16) { u16(value.bigEndian) }

    private static let zeroBlock = [UInt8](repeating: 0, count: 512)

    mutating func zeros(_ count: Int) {
        var remaining = count
        while remaining > 0 {
            let chunk = Swift.min(remaining, Self.zeroBlock.count)
            bytes.append(contentsOf: Self.zeroBlock[0..<chunk])
            remaining -= chunk
        }
    }

    /// `text` NUL-padded to `size` bytes; it must be shorter than `size`.
    mutating func cString(_ text: String, size: Int) {
        let utf8 = text.utf8
        precondition(utf8.count < size, "\(text) does not fit \(size) bytes")
        bytes.append(contentsOf: utf8)
        zeros(size - utf8.count)
    }

    /// An address in network order: 4 bytes for IPv4, 16 for IPv6.
    mutating func address(_ address: IPAddress) {
        switch address {
        case .v4(let v4):
            withUnsafeBytes(of: v4.value.bigEndian) { bytes.append(contentsOf: $0) }
        case .v6(let v6):
            withUnsafeBytes(of: v6.high.bigEndian) { bytes.append(contentsOf: $0) }
            withUnsafeBytes(of: v6.low.bigEndian) { bytes.append(contentsOf: $0) }
        }
    }

    /// Overwrites `value` at `offset` in network order.
    mutating func setBigEndian(_ value: UInt32, at offset: Int) {
        withUnsafeBytes(of: value.bigEndian) { raw in
            for index in 0..<4 { bytes[offset + index] = raw[index] }
        }
    }

    /// Overwrites `value` at `offset` in host order.
    mutating func set(_ value: UInt16, at offset: Int) {
        withUnsafeBytes(of: value) { raw in
            for index in 0..<2 { bytes[offset + index] = raw[index] }
        }
    }

    mutating func set(_ value: UInt8, at offset: Int) {
        bytes[offset] = value
    }

    /// Copies `source` over the bytes at `offset`.
    mutating func set(_ source: [UInt8], at offset: Int) {
        for (index, byte) in source.enumerated() { bytes[offset + index] = byte }
    }
}

/// `XT_ALIGN`: kernel structures are padded to 8 bytes.
func xtAlign(_ size: Int) -> Int { (size + 7) & ~7 }

extension IPPrefix {
    /// The network mask in network order: 4 or 16 bytes.
    var maskBytes: [UInt8] {
        let total = family == .ipv4 ? 32 : 128
        return (0..<(total / 8)).map { index in
            let bits = Swift.max(0, Swift.min(8, length - index * 8))
            return bits == 0 ? 0 : UInt8(truncatingIfNeeded: 0xFF << (8 - bits))
        }
    }

    /// The address bytes in network order.
    var addressBytes: [UInt8] {
        var writer = ByteWriter()
        writer.address(address)
        return writer.bytes
    }
}
