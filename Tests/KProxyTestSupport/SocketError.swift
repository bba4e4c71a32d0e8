import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// A failed socket call.
public struct SocketError: Error, CustomStringConvertible {
    public var call: String
    public var code: Int32

    public init(_ call: String, _ code: Int32) {
        self.call = call
        self.code = code
    }

    public var description: String { "\(call): \(String(cString: strerror(code))) (errno \(code))" }

    /// Whether the peer refused the connection (a REJECT, or nothing listening).
    public var isRefused: Bool { code == ECONNREFUSED }
}
