import NIOCore
import NIOHTTP1

/// The framing of a chunked body (RFC 9112 §7.1) as the proxy writes it: each chunk's
/// size line before its data and a line end after, and the last chunk.
enum ChunkFraming {
    /// Writes `data` as one chunk through `write` (nothing for empty data: an empty chunk
    /// would end the body).
    static func writeChunk(_ data: ByteBuffer, allocator: ByteBufferAllocator, _ write: (ByteBuffer) -> Void) {
        guard data.readableBytes > 0 else { return }
        var size = allocator.buffer(capacity: 18)
        size.writeString(String(data.readableBytes, radix: 16))
        size.writeStaticString("\r\n")
        write(size)
        write(data)
        write(lineEnd)
    }

    private static let lineEnd = ByteBuffer(string: "\r\n")

    /// The last chunk and the empty line after it: the body's end without trailers.
    static let lastChunk = ByteBuffer(string: "0\r\n\r\n")

    /// The last chunk, `trailers`, and the empty line after them.
    static func lastChunk(trailers: HTTPHeaders, allocator: ByteBufferAllocator) -> ByteBuffer {
        var end = allocator.buffer(capacity: 64)
        end.writeStaticString("0\r\n")
        for (name, value) in trailers {
            end.writeString(name)
            end.writeStaticString(": ")
            end.writeString(value)
            end.writeStaticString("\r\n")
        }
        end.writeStaticString("\r\n")
        return end
    }
}
