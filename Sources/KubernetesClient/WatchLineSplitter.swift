/// Splits a watch response's body into its JSON lines. The body arrives in chunks that
/// do not follow lines: a line can span several chunks, and a chunk can end inside a
/// multi-byte character, so bytes are kept until their newline comes.
public struct WatchLineSplitter: Sendable {
    private var pending: [UInt8] = []
    /// A line longer than this ends the watch rather than growing without bound.
    public var maximumLineLength: Int

    public init(maximumLineLength: Int = 16 << 20) {
        self.maximumLineLength = maximumLineLength
    }

    /// The whole lines completed by `chunk` (without their newlines; empty lines dropped).
    public mutating func lines(_ chunk: some Collection<UInt8>) throws(WatchLineTooLong) -> [[UInt8]] {
        var lines: [[UInt8]] = []
        var start = chunk.startIndex
        var index = chunk.startIndex
        while index != chunk.endIndex {
            if chunk[index] == UInt8(ascii: "\n") {
                pending.append(contentsOf: chunk[start..<index])
                if !pending.isEmpty { lines.append(pending) }
                pending = []
                start = chunk.index(after: index)
            }
            index = chunk.index(after: index)
        }
        pending.append(contentsOf: chunk[start...])
        if pending.count > maximumLineLength { throw WatchLineTooLong(length: pending.count) }
        return lines
    }

    /// Bytes received after the last newline (a line cut off when the stream ended).
    public var remainder: [UInt8] { pending }
}

/// A watch line longer than a watcher accepts.
public struct WatchLineTooLong: Error, Sendable, Equatable {
    public var length: Int

    public init(length: Int) {
        self.length = length
    }
}
