import Foundation
import ServiceModel
#if canImport(Glibc)
import Glibc
#endif

/// Writes the libiptc helper's request to a pipe: little-endian integers, strings and byte
/// runs prefixed with their length, buffered in one reused megabyte.
struct WireWriter {
    private let descriptor: Int32
    private var buffer: [UInt8] = []

    init(_ descriptor: Int32) {
        self.descriptor = descriptor
        buffer.reserveCapacity(1 << 20)
    }

    mutating func u32(_ value: UInt32) throws(IptablesError) {
        withUnsafeBytes(of: value.littleEndian) { buffer.append(contentsOf: $0) }
        try flushIfFull()
    }

    mutating func string(_ value: String) throws(IptablesError) {
        try u32(UInt32(value.utf8.count))
        buffer.append(contentsOf: value.utf8)
        try flushIfFull()
    }

    mutating func bytes(_ value: UnsafeRawBufferPointer) throws(IptablesError) {
        try u32(UInt32(value.count))
        buffer.append(contentsOf: value)
        try flushIfFull()
    }

    mutating func bytes(_ value: [UInt8]) throws(IptablesError) {
        try u32(UInt32(value.count))
        buffer.append(contentsOf: value)
        try flushIfFull()
    }

    /// Bytes as they are, without a length.
    mutating func raw(_ value: [UInt8]) throws(IptablesError) {
        buffer.append(contentsOf: value)
        try flushIfFull()
    }

    mutating func strings(_ values: [String]) throws(IptablesError) {
        try u32(UInt32(values.count))
        for value in values { try string(value) }
    }

    /// One chain's rules: their number, then each entry.
    mutating func chain(_ rules: EncodedChain) throws(IptablesError) {
        try u32(UInt32(rules.count))
        for index in 0..<rules.count {
            try rules.withRule(index) { (entry) throws(IptablesError) in try bytes(entry) }
        }
    }

    private mutating func flushIfFull() throws(IptablesError) {
        if buffer.count >= 1 << 20 { try flush() }
    }

    /// Writes out what is buffered.
    mutating func flush() throws(IptablesError) {
        if let code = buffer.withUnsafeBytes({ writeAll($0, to: descriptor) }) {
            throw .helper("cannot send the request: \(String(cString: strerror(code)))")
        }
        buffer.removeAll(keepingCapacity: true)
    }
}

/// Reads what ``WireWriter`` wrote, from a pipe, through one buffer. A request that ends
/// early is an error: the sender died or gave up, and nothing may be committed.
final class WireReader {
    private let descriptor: Int32
    private var buffer = [UInt8](repeating: 0, count: 1 << 20)
    private var start = 0
    private var end = 0

    init(_ descriptor: Int32) {
        self.descriptor = descriptor
    }

    /// Makes at least `count` bytes available from `start`.
    private func need(_ count: Int) throws(IptablesError) {
        guard count <= buffer.count else { throw .helper("a request field of \(count) bytes is too long") }
        if end - start >= count { return }
        if start > 0 {
            buffer.withUnsafeMutableBytes { raw in
                _ = memmove(raw.baseAddress!, raw.baseAddress! + start, end - start)
            }
            end -= start
            start = 0
        }
        while end < count {
            let received = buffer.withUnsafeMutableBytes { read(descriptor, $0.baseAddress! + end, $0.count - end) }
            if received < 0 {
                if errno == EINTR { continue }
                throw .helper("cannot read the request: \(String(cString: strerror(errno)))")
            }
            if received == 0 { throw .helper("the request was cut short; nothing was applied") }
            end += received
        }
    }

    func u32() throws(IptablesError) -> UInt32 {
        try need(4)
        let value = buffer.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: start, as: UInt32.self) }
        start += 4
        return UInt32(littleEndian: value)
    }

    /// Calls `body` with the next length-prefixed run of bytes.
    func withBytes<Result>(_ body: (UnsafeRawBufferPointer) throws(IptablesError) -> Result) throws(IptablesError) -> Result {
        let count = Int(try u32())
        try need(count)
        defer { start += count }
        let outcome = buffer.withUnsafeBytes { raw -> Swift.Result<Result, IptablesError> in
            do throws(IptablesError) {
                return .success(try body(UnsafeRawBufferPointer(rebasing: raw[start..<(start + count)])))
            } catch {
                return .failure(error)
            }
        }
        return try outcome.get()
    }

    func string() throws(IptablesError) -> String {
        try withBytes { String(decoding: $0, as: UTF8.self) }
    }

    func strings() throws(IptablesError) -> [String] {
        var values: [String] = []
        for _ in 0..<(try u32()) { values.append(try string()) }
        return values
    }

    /// One chain's rules, into `chain` (emptied first).
    func chain(into chain: inout EncodedChain) throws(IptablesError) {
        chain.removeAll()
        for _ in 0..<(try u32()) {
            try withBytes { chain.append(entry: $0) }
        }
    }
}
