import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Loopback TCP ports for the servers a benchmark starts.
enum FreePorts {
    /// `count` ports the kernel had free a moment ago (each bound to port 0, read, closed).
    static func take(_ count: Int) throws -> [Int] {
        var sockets: [Int32] = []
        defer { sockets.forEach { close($0) } }
        return try (0..<count).map { _ in
            let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            guard descriptor >= 0 else { throw BenchError("socket: errno \(errno)") }
            sockets.append(descriptor)
            guard IPv4Socket.bind(descriptor, to: IPv4Socket.address(IPv4Socket.loopback, port: 0)) == 0,
                  let port = IPv4Socket.boundPort(descriptor) else { throw BenchError("bind 127.0.0.1:0: errno \(errno)") }
            return port
        }
    }

    /// Waits up to ten seconds for something to accept connections on `port`.
    static func waitForListener(_ port: Int) throws {
        for _ in 0..<200 {
            let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            let connected = IPv4Socket.connect(descriptor, to: IPv4Socket.address(IPv4Socket.loopback, port: port)) == 0
            close(descriptor)
            if connected { return }
            usleep(50_000)
        }
        throw BenchError("nothing listens on 127.0.0.1:\(port) after ten seconds")
    }
}
