import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A client that writes exactly the bytes a test gives (malformed requests too) on a
/// blocking loopback socket, and reads whole responses back.
///
/// Unchecked Sendable: a test may write from one thread while it reads on another; the
/// descriptor is safe for that, and the only mutable state (`pending`) is touched by
/// reads alone, which one thread makes.
public final class RawHTTPConnection: @unchecked Sendable {
    private let descriptor: Int32
    private var pending: [UInt8] = []

    /// A response as read.
    public struct Response: Sendable {
        public var status: Int
        /// Header names lowercased, in order.
        public var headers: [(name: String, value: String)]
        public var body: [UInt8]
        /// Body bytes read (also when they were not kept).
        public var bodyLength: Int

        public var text: String { String(decoding: body, as: UTF8.self) }
        public func header(_ name: String) -> String? { headers.first { $0.name == name }?.value }
    }

    public init(port: Int, timeoutSeconds: Int = 10) throws {
        descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { throw SocketError("socket", errno) }
        var timeout = timeval(tv_sec: timeoutSeconds, tv_usec: 0)
        setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = UInt16(port).bigEndian
        address.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else {
            let code = errno
            close(descriptor)
            throw SocketError("connect", code)
        }
    }

    deinit { close(descriptor) }

    public func send(_ text: String) throws { try send(Array(text.utf8)) }

    public func send(_ bytes: [UInt8]) throws {
        var offset = 0
        while offset < bytes.count {
            let written = bytes[offset...].withUnsafeBytes { Glibc.send(descriptor, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            guard written > 0 else { throw SocketError("send", errno) }
            offset += written
        }
    }

    /// Reads one response; a body longer than `keep` bytes is counted, not kept.
    public func response(keep: Int = 1 << 20, forHead: Bool = false) throws -> Response {
        let headText = try readHead()
        var lines = headText.split(separator: "\r\n", omittingEmptySubsequences: false).map(String.init)
        let statusLine = lines.removeFirst()
        let status = Int(statusLine.split(separator: " ").dropFirst().first ?? "") ?? 0
        var headers: [(String, String)] = []
        for line in lines where !line.isEmpty {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers.append((line[..<colon].lowercased(), line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)))
        }
        var response = Response(status: status, headers: headers, body: [], bodyLength: 0)
        if forHead || status == 304 || status == 204 || (100..<200).contains(status) { return response }
        if let length = response.header("content-length").flatMap(Int.init) {
            try readBody(length, keep: keep, into: &response)
        } else if response.header("transfer-encoding")?.lowercased() == "chunked" {
            while true {
                let sizeLine = try readLine()
                let size = Int(sizeLine.split(separator: ";").first ?? "", radix: 16) ?? 0
                if size == 0 {
                    while try !readLine().isEmpty {}
                    break
                }
                try readBody(size, keep: keep, into: &response)
                _ = try readLine()
            }
        } else {
            // A body until the server closes: what came with the head first.
            append(pending[...], keep: keep, into: &response)
            pending = []
            while let chunk = try readSome() { append(chunk[...], keep: keep, into: &response) }
        }
        return response
    }

    /// Exactly `count` bytes (after any response read before), for what follows an upgrade.
    public func read(count: Int) throws -> [UInt8] {
        while pending.count < count {
            guard let chunk = try readSome() else { throw SocketError("read: the connection closed", 0) }
            pending += chunk
        }
        defer { pending.removeFirst(count) }
        return Array(pending[..<count])
    }

    /// Whether the server closed the connection (a read returns end of file).
    public func isClosedByPeer() throws -> Bool {
        if !pending.isEmpty { return false }
        return try readSome() == nil
    }

    /// Reads whatever comes until the server closes the connection (`true`), or until a
    /// read times out (`false`).
    public func readsToTheEnd() throws -> Bool {
        pending = []
        while true {
            do {
                guard try readSome() != nil else { return true }
            } catch let error as SocketError where error.code == EAGAIN {
                return false
            }
        }
    }

    private func readBody(_ count: Int, keep: Int, into response: inout Response) throws {
        var left = count
        while left > 0 {
            if pending.isEmpty {
                guard let chunk = try readSome() else { throw SocketError("read: the body ended early", 0) }
                pending = chunk
            }
            let take = min(left, pending.count)
            append(pending[..<take], keep: keep, into: &response)
            pending.removeFirst(take)
            left -= take
        }
    }

    private func append(_ bytes: ArraySlice<UInt8>, keep: Int, into response: inout Response) {
        response.bodyLength += bytes.count
        if response.body.count < keep { response.body += bytes.prefix(keep - response.body.count) }
    }

    private func readHead() throws -> String {
        var lines: [String] = []
        while true {
            let line = try readLine()
            if line.isEmpty && !lines.isEmpty { break }
            if !line.isEmpty { lines.append(line) }
        }
        return lines.joined(separator: "\r\n") + "\r\n"
    }

    private func readLine() throws -> String {
        while true {
            if let end = pending.firstIndex(of: UInt8(ascii: "\n")) {
                var line = Array(pending[..<end])
                pending.removeFirst(end + 1)
                if line.last == UInt8(ascii: "\r") { line.removeLast() }
                return String(decoding: line, as: UTF8.self)
            }
            guard let chunk = try readSome() else { throw SocketError("read: the connection closed", 0) }
            pending += chunk
        }
    }

    /// The next bytes, or `nil` at end of file.
    private func readSome() throws -> [UInt8]? {
        var buffer = [UInt8](repeating: 0, count: 65536)
        let count = buffer.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress, $0.count, 0) }
        if count < 0 {
            if errno == ECONNRESET { return nil }
            throw SocketError("recv", errno)
        }
        return count == 0 ? nil : Array(buffer[..<count])
    }
}
