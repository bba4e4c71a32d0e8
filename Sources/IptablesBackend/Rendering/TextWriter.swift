import ProxyCore
import ServiceModel

/// A growable byte buffer written through a raw pointer: the renderer's output. Each write
/// checks the room left once and copies; nothing is reference-counted or checked for
/// uniqueness on the way, which is most of what appending to an `Array` costs when a large
/// cluster's text is 30 MB of short pieces.
struct TextWriter: ~Copyable {
    private var start: UnsafeMutablePointer<UInt8>
    private var capacity: Int
    /// The number of bytes written.
    private(set) var count = 0
    /// The number of line ends written, ``removeAll()`` or not.
    private(set) var lineCount = 0

    init(capacity: Int = 4096) {
        self.capacity = max(capacity, 64)
        start = .allocate(capacity: self.capacity)
    }

    deinit {
        start.deallocate()
    }

    /// The bytes written so far; valid until the next write.
    var written: UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(start: start, count: count)
    }

    /// Forgets the bytes written, keeping the memory, for a writer that hands its text on in
    /// pieces; the count of lines goes on.
    mutating func removeAll() {
        count = 0
    }

    /// Makes room for `more` bytes past what was written.
    @inline(__always)
    mutating func reserve(_ more: Int) {
        if count + more > capacity { grow(to: count + more) }
    }

    private mutating func grow(to needed: Int) {
        let newCapacity = max(needed, capacity * 2)
        let newStart = UnsafeMutablePointer<UInt8>.allocate(capacity: newCapacity)
        newStart.initialize(from: start, count: count)
        start.deallocate()
        start = newStart
        capacity = newCapacity
    }

    // MARK: - Pieces

    @inline(__always)
    mutating func put(_ bytes: UnsafeRawBufferPointer) {
        guard let source = bytes.baseAddress else { return }
        reserve(bytes.count)
        UnsafeMutableRawPointer(start + count).copyMemory(from: source, byteCount: bytes.count)
        count += bytes.count
    }

    @inline(__always)
    mutating func put(_ text: StaticString) {
        text.withUTF8Buffer { text in
            reserve(text.count)
            (start + count).initialize(from: text.baseAddress!, count: text.count)
            count += text.count
        }
    }

    @inline(__always)
    mutating func put(_ byte: UInt8) {
        reserve(1)
        start[count] = byte
        count += 1
    }

    mutating func put(string text: String) {
        var text = text
        text.withUTF8 { put(UnsafeRawBufferPointer($0)) }
    }

    /// A chain name: its 32 padded bytes in one go, then the end moved past the name.
    @inline(__always)
    mutating func put(_ name: ChainName) {
        reserve(32)
        count += name.store(to: start + count)
    }

    mutating func endLine() {
        put(UInt8(ascii: "\n"))
        lineCount += 1
    }

    /// A decimal number.
    mutating func putDecimal(_ value: Int) {
        if value < 0 {
            put(UInt8(ascii: "-"))
            putDecimal(0 - value)
            return
        }
        reserve(20)
        var digits = 1
        var rest = value / 10
        while rest > 0 { digits += 1; rest /= 10 }
        rest = value
        for index in stride(from: digits - 1, through: 0, by: -1) {
            start[count + index] = UInt8(ascii: "0") + UInt8(truncatingIfNeeded: rest % 10)
            rest /= 10
        }
        count += digits
    }

    /// `0x` and eight hex digits, as kube-proxy writes marks.
    mutating func putHex(_ value: UInt32) {
        reserve(10)
        start[count] = UInt8(ascii: "0")
        start[count + 1] = UInt8(ascii: "x")
        for index in 0..<8 {
            let digit = UInt8(truncatingIfNeeded: value &>> UInt32(28 - 4 * index)) & 0xF
            start[count + 2 + index] = digit < 10 ? UInt8(ascii: "0") + digit : UInt8(ascii: "a") + digit - 10
        }
        count += 10
    }

    /// An address, IPv4 dotted, IPv6 in its canonical text.
    mutating func put(_ address: IPAddress) {
        guard case .v4(let v4) = address else {
            put(string: address.description)
            return
        }
        reserve(15)
        for shift in stride(from: 24, through: 0, by: -8) {
            let octet = UInt8(truncatingIfNeeded: v4.value &>> UInt32(shift))
            if octet >= 100 { start[count] = UInt8(ascii: "0") + octet / 100; count += 1 }
            if octet >= 10 { start[count] = UInt8(ascii: "0") + octet / 10 % 10; count += 1 }
            start[count] = UInt8(ascii: "0") + octet % 10
            count += 1
            if shift > 0 { start[count] = UInt8(ascii: "."); count += 1 }
        }
    }

    /// A host bare, a network with its length.
    mutating func put(_ address: AddressMatch) {
        switch address {
        case .host(let ip): put(ip)
        case .network(let prefix): put(prefix.address); put(UInt8(ascii: "/")); putDecimal(prefix.length)
        }
    }

    /// A comment as one iptables-restore word: bare when it is a single plain word, else in
    /// double quotes with `"` and `\` escaped. Control characters, which would end the line,
    /// are written as `?`.
    mutating func putComment(_ text: String) {
        var text = text
        text.withUTF8 { putComment(UnsafeRawBufferPointer($0)) }
    }

    private mutating func putComment(_ text: UnsafeRawBufferPointer) {
        var plain = !text.isEmpty
        var escaped = false
        for byte in text {
            switch byte {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"), 0..<0x20, 0x7F...:
                plain = false
                escaped = escaped || byte < 0x80
            case UInt8(ascii: " "), UInt8(ascii: "'"), UInt8(ascii: "#"):
                plain = false
            default:
                break
            }
        }
        if plain {
            put(text)
            return
        }
        put(UInt8(ascii: "\""))
        if !escaped {
            put(text)
        } else {
            for byte in text {
                switch byte {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"):
                    put(UInt8(ascii: "\\"))
                    put(byte)
                case 0..<0x20, 0x7F:
                    put(UInt8(ascii: "?"))
                default:
                    put(byte)
                }
            }
        }
        put(UInt8(ascii: "\""))
    }
}
