import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The IPv4 socket calls the benchmarks make themselves (free ports, probes, accept
/// servers, connection rates): the address built once, the `sockaddr` casts in one place.
enum IPv4Socket {
    /// 127.0.0.1, in host byte order.
    static let loopback: UInt32 = 0x7F00_0001

    /// `host` (host byte order; 0: every address) and `port`.
    static func address(_ host: UInt32, port: Int) -> sockaddr_in {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = UInt16(port).bigEndian
        address.sin_addr.s_addr = host.bigEndian
        return address
    }

    /// `connect(2)` to `address`: 0, or -1 with `errno` set.
    static func connect(_ descriptor: Int32, to address: sockaddr_in) -> Int32 {
        withUnsafePointer(to: address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
    }

    /// `bind(2)` to `address`: 0, or -1 with `errno` set.
    static func bind(_ descriptor: Int32, to address: sockaddr_in) -> Int32 {
        withUnsafePointer(to: address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
    }

    /// The port `descriptor` is bound to, or `nil`.
    static func boundPort(_ descriptor: Int32) -> Int? {
        var address = sockaddr_in()
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let read = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(descriptor, $0, &length) }
        }
        return read == 0 ? Int(UInt16(bigEndian: address.sin_port)) : nil
    }
}
