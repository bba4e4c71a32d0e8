@testable import IngressProxy
import NIOCore
import NIOEmbedded
import Testing

/// The writes of one flush, by size → what goes on to TLS, by size: small ones joined,
/// up to one record's plaintext; larger ones alone, in order.
@Suite struct TLSWriteCoalescerTests {
    struct Row: Sendable, CustomTestStringConvertible {
        var testDescription: String
        var written: [Int]
        var sent: [Int]
    }

    static let rows = [
        Row(testDescription: "a head and a short body", written: [180, 23, 0], sent: [203]),
        Row(testDescription: "a head and a large body", written: [180, 20_000], sent: [180, 20_000]),
        Row(testDescription: "two that would not fit one record", written: [10_000, 10_000], sent: [10_000, 10_000]),
        Row(testDescription: "joined, a large one, then more", written: [100, 100, 20_000, 50, 50], sent: [200, 20_000, 100]),
        Row(testDescription: "exactly one record", written: [16_000, 384], sent: [16_384]),
    ]

    @Test(arguments: rows)
    func joinsSmallWritesOfAFlush(_ row: Row) throws {
        let channel = EmbeddedChannel(handler: TLSWriteCoalescer())
        var futures: [EventLoopFuture<Void>] = []
        for (index, size) in row.written.enumerated() {
            let buffer = ByteBuffer(repeating: UInt8(index), count: size)
            futures.append(channel.write(IOData.byteBuffer(buffer)))
        }
        channel.flush()
        var sent: [ByteBuffer] = []
        while let part = try channel.readOutbound(as: IOData.self) {
            guard case .byteBuffer(let buffer) = part else { Issue.record("not a buffer"); continue }
            sent.append(buffer)
        }
        #expect(sent.map(\.readableBytes) == row.sent)
        let expected = row.written.enumerated().flatMap { index, size in [UInt8](repeating: UInt8(index), count: size) }
        #expect(sent.flatMap { $0.readableBytesView } == expected, "the bytes, in the order written")
        for future in futures { try future.wait() }
        _ = try channel.finish()
    }

    @Test func writesNeverFlushedFailAtClose() throws {
        let channel = EmbeddedChannel(handler: TLSWriteCoalescer())
        let written = channel.write(IOData.byteBuffer(ByteBuffer(string: "HTTP/1.1 200 OK\r\n")))
        _ = try? channel.finish()
        #expect(throws: ChannelError.self) { try written.wait() }
    }
}
