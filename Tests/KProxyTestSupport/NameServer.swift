import Foundation
import ProxyCore
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// A server that answers every TCP connection or UDP datagram with its name and the address
/// the client appears to come from (`pod-a 10.0.0.2`), run on a thread inside a namespace.
public final class NameServer: Sendable {
    public let name: String
    private let descriptor: Mutex<Int32> = Mutex(-1)

    private init(name: String) {
        self.name = name
    }

    /// Starts a TCP (or UDP) server on `port` (all addresses) inside `namespace`.
    public static func start(name: String, port: UInt16, udp: Bool = false, in namespace: NetworkNamespace) throws -> NameServer {
        let server = NameServer(name: name)
        let ready = DispatchSemaphore(value: 0)
        let failure = Mutex<SocketError?>(nil)
        try namespace.spawn {
            do {
                let socket = try Socket.bound(port: port, udp: udp)
                server.descriptor.withLock { $0 = socket }
                ready.signal()
                udp ? server.serveDatagrams(socket) : server.serveConnections(socket)
            } catch let error as SocketError {
                failure.withLock { $0 = error }
                ready.signal()
            } catch {
                ready.signal()
            }
        }
        ready.wait()
        if let error = failure.withLock({ $0 }) { throw error }
        return server
    }

    private func serveConnections(_ listener: Int32) {
        while true {
            var peer = sockaddr_in()
            var length = socklen_t(MemoryLayout<sockaddr_in>.size)
            let connection = withUnsafeMutablePointer(to: &peer) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { accept(listener, $0, &length) }
            }
            if connection < 0 {
                if errno == EINTR { continue }
                return
            }
            let reply = "\(name) \(Socket.text(peer))\n"
            // Written again when a signal (a child process ending) interrupts the write:
            // a connection closed without its line would read as an empty reply.
            while reply.withCString({ write(connection, $0, strlen($0)) }) < 0 && errno == EINTR {}
            close(connection)
        }
    }

    private func serveDatagrams(_ socket: Int32) {
        var buffer = [UInt8](repeating: 0, count: 512)
        while true {
            var peer = sockaddr_in()
            var length = socklen_t(MemoryLayout<sockaddr_in>.size)
            let count = withUnsafeMutablePointer(to: &peer) { pointer in
                pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { recvfrom(socket, &buffer, buffer.count, 0, $0, &length) }
            }
            if count < 0 {
                if errno == EINTR { continue }
                return
            }
            let reply = Array("\(name) \(Socket.text(peer))\n".utf8)
            _ = withUnsafePointer(to: &peer) { pointer in
                pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { sendto(socket, reply, reply.count, 0, $0, length) }
            }
        }
    }

    /// Stops serving: the thread's next accept or receive fails and it ends.
    public func stop() {
        descriptor.withLock {
            if $0 >= 0 {
                shutdown($0, Int32(SHUT_RDWR))
                close($0)
                $0 = -1
            }
        }
    }

    deinit { stop() }
}

/// Small IPv4 socket helpers for the traffic tests.
public enum Socket {
    static func address(_ ip: String, _ port: UInt16) -> sockaddr_in {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        inet_pton(AF_INET, ip, &address.sin_addr)
        return address
    }

    static func text(_ address: sockaddr_in) -> String {
        var copy = address.sin_addr
        var buffer = [CChar](repeating: 0, count: Int(INET_ADDRSTRLEN))
        inet_ntop(AF_INET, &copy, &buffer, socklen_t(buffer.count))
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    static func bound(port: UInt16, udp: Bool) throws -> Int32 {
        let descriptor = socket(AF_INET, Int32(udp ? SOCK_DGRAM.rawValue : SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { throw SocketError("socket", errno) }
        var one: Int32 = 1
        setsockopt(descriptor, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        var address = address("0.0.0.0", port)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0 else { close(descriptor); throw SocketError("bind \(port)", errno) }
        if !udp, listen(descriptor, 128) != 0 { close(descriptor); throw SocketError("listen", errno) }
        return descriptor
    }

    /// A TCP socket bound to `127.0.0.1:port` that never listens: connections to the port
    /// are refused, and no other server can take it. With `SO_REUSEPORT`, so it can be bound
    /// while the port's listener (bound with `SO_REUSEPORT` too) still listens and the port
    /// is never free in between (an outgoing connection elsewhere could take it as its
    /// ephemeral port). Without `SO_REUSEADDR` when the port allows (then nothing else binds
    /// it); with it when connections closed a moment ago still hold the port.
    static func reserved(port: UInt16) throws(SocketError) -> Int32 {
        var lastError = SocketError("bind 127.0.0.1:\(port)", 0)
        for reuse: Int32 in [0, 1] {
            let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            guard descriptor >= 0 else { throw SocketError("socket", errno) }
            var flag = reuse
            setsockopt(descriptor, SOL_SOCKET, SO_REUSEADDR, &flag, socklen_t(MemoryLayout<Int32>.size))
            var sharesPort: Int32 = 1
            setsockopt(descriptor, SOL_SOCKET, SO_REUSEPORT, &sharesPort, socklen_t(MemoryLayout<Int32>.size))
            var address = address("127.0.0.1", port)
            let bound = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
            if bound == 0 { return descriptor }
            lastError = SocketError("bind 127.0.0.1:\(port)", errno)
            close(descriptor)
        }
        throw lastError
    }

    private static func setTimeout(_ descriptor: Int32, _ seconds: Double) {
        var timeout = timeval(tv_sec: Int(seconds), tv_usec: Int((seconds - Double(Int(seconds))) * 1_000_000))
        setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(descriptor, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    }

    /// A socket connected to `ip:port` (TCP, or UDP), with send and receive timeouts.
    static func connected(_ ip: String, _ port: UInt16, udp: Bool, timeout: Double) throws(SocketError) -> Int32 {
        let descriptor = socket(AF_INET, Int32(udp ? SOCK_DGRAM.rawValue : SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { throw SocketError("socket", errno) }
        setTimeout(descriptor, timeout)
        var address = address(ip, port)
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard result == 0 else {
            let code = errno
            close(descriptor)
            throw SocketError("connect \(ip):\(port)", code)
        }
        return descriptor
    }

    /// Connects over TCP (from the calling thread's namespace) and returns the server's
    /// one-line reply, e.g. `pod-a 10.244.1.1`.
    public static func ask(_ ip: String, _ port: UInt16, timeout: Double = 2) throws(SocketError) -> String {
        let descriptor = try connected(ip, port, udp: false, timeout: timeout)
        defer { close(descriptor) }
        return try readLine(descriptor, "\(ip):\(port)")
    }

    /// Sends one UDP datagram from a fresh socket and returns the reply.
    public static func askUDP(_ ip: String, _ port: UInt16, timeout: Double = 2) throws(SocketError) -> String {
        let descriptor = try connected(ip, port, udp: true, timeout: timeout)
        defer { close(descriptor) }
        guard send(descriptor, "?", 1, 0) == 1 else { throw SocketError("send \(ip):\(port)", errno) }
        return try readLine(descriptor, "\(ip):\(port)/udp")
    }

    /// GETs `path` from `ip:port` over HTTP/1.1 (from the calling thread's namespace);
    /// the status and the body.
    public static func httpGet(_ ip: String, _ port: UInt16, _ path: String, timeout: Double = 5) throws(SocketError) -> (status: Int, body: String) {
        let descriptor = try connected(ip, port, udp: false, timeout: timeout)
        defer { close(descriptor) }
        let request = Array("GET \(path) HTTP/1.1\r\nHost: \(ip)\r\nConnection: close\r\n\r\n".utf8)
        guard send(descriptor, request, request.count, 0) == request.count else { throw SocketError("send \(ip):\(port)", errno) }
        var buffer = [UInt8](repeating: 0, count: 4096)
        var reply: [UInt8] = []
        while true {
            let count = read(descriptor, &buffer, buffer.count)
            if count < 0 { throw SocketError("read \(ip):\(port)", errno) }
            if count == 0 { break }
            reply += buffer[0..<count]
        }
        let text = String(decoding: reply, as: UTF8.self)
        let status = text.split(separator: " ", maxSplits: 2).dropFirst().first.flatMap { Int($0) } ?? 0
        let body = text.range(of: "\r\n\r\n").map { String(text[$0.upperBound...]) } ?? ""
        return (status, body)
    }

    static func readLine(_ descriptor: Int32, _ what: String) throws(SocketError) -> String {
        var buffer = [UInt8](repeating: 0, count: 256)
        var text: [UInt8] = []
        while true {
            let count = read(descriptor, &buffer, buffer.count)
            if count < 0 { throw SocketError("read \(what)", errno) }
            if count == 0 { break }
            text += buffer[0..<count]
            if text.contains(UInt8(ascii: "\n")) { break }
        }
        return String(decoding: text, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
