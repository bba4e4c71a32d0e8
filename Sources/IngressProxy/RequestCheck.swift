import NIOHTTP1

/// What the proxy checks of a request head before routing it; a request that fails gets
/// 400 and never reaches an endpoint.
enum RequestCheck {
    /// Why a head is refused.
    enum Refusal: Error, Equatable, CustomStringConvertible {
        case missingHost
        case repeatedHost
        case invalidHost(String)
        case invalidTarget
        case headerTooLarge(Int)

        var description: String {
            switch self {
            case .missingHost: "no Host header"
            case .repeatedHost: "more than one Host header"
            case .invalidHost(let host): "invalid Host \"\(host.prefix(64))\""
            case .invalidTarget: "the request target is not an absolute path"
            case .headerTooLarge(let bytes): "request line and headers of \(bytes) bytes"
            }
        }
    }

    /// What a head that passed brings along.
    struct Checked {
        /// The `Host` value to route by (`""` for an HTTP/1.0 request without one).
        var host: String
        /// The bytes its request line and headers take (``headerBytes(_:)``).
        var headerBytes: Int
    }

    /// The host to route by, or why the head is refused.
    static func check(_ head: HTTPRequestHead, maxHeaderBytes: Int) -> Result<Checked, Refusal> {
        let size = headerBytes(head)
        guard size <= maxHeaderBytes else { return .failure(.headerTooLarge(size)) }
        guard head.uri.utf8.first == UInt8(ascii: "/") else { return .failure(.invalidTarget) }
        var host: String?
        for (name, value) in head.headers where HTTPToken.sameIgnoringCase(name, "host") {
            guard host == nil else { return .failure(.repeatedHost) }
            host = value
        }
        guard let host else {
            // HTTP/1.0 may leave it out: such a request matches rules without a host.
            return head.version.major == 1 && head.version.minor == 0 ? .success(Checked(host: "", headerBytes: size))
                : .failure(.missingHost)
        }
        guard isValidHost(host) else { return .failure(.invalidHost(host)) }
        return .success(Checked(host: host, headerBytes: size))
    }

    /// The bytes the request line and headers take on the wire.
    static func headerBytes(_ head: HTTPRequestHead) -> Int {
        var total = head.method.rawValue.utf8.count + head.uri.utf8.count + 12
        for (name, value) in head.headers { total += name.utf8.count + value.utf8.count + 4 }
        return total
    }

    /// RFC 3986's `host [ ":" port ]`: a registered name (letters, digits, `-._~`, the
    /// sub-delimiters, percent escapes) or a bracketed IPv6 literal, then an optional
    /// decimal port.
    static func isValidHost(_ value: String) -> Bool {
        var bytes = Substring(value).utf8[...]
        guard !bytes.isEmpty else { return false }
        if bytes.first == UInt8(ascii: "[") {
            guard let close = bytes.firstIndex(of: UInt8(ascii: "]")) else { return false }
            let literal = bytes[bytes.index(after: bytes.startIndex)..<close]
            guard !literal.isEmpty, literal.allSatisfy({ isHexDigit($0) || $0 == UInt8(ascii: ":") || $0 == UInt8(ascii: ".") })
            else { return false }
            bytes = bytes[bytes.index(after: close)...]
        } else {
            let end = bytes.firstIndex(of: UInt8(ascii: ":")) ?? bytes.endIndex
            guard bytes[..<end].allSatisfy(isRegisteredNameByte) else { return false }
            bytes = bytes[end...]
        }
        guard let colon = bytes.first else { return true }
        guard colon == UInt8(ascii: ":") else { return false }
        let port = bytes.dropFirst()
        return port.count <= 5 && port.allSatisfy { $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }
    }

    private static func isHexDigit(_ byte: UInt8) -> Bool {
        (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || (UInt8(ascii: "a")...UInt8(ascii: "f")).contains(byte | 0x20)
    }

    private static func isRegisteredNameByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
             UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"), UInt8(ascii: "!"), UInt8(ascii: "$"),
             UInt8(ascii: "&"), UInt8(ascii: "'"), UInt8(ascii: "("), UInt8(ascii: ")"), UInt8(ascii: "*"), UInt8(ascii: "+"),
             UInt8(ascii: ","), UInt8(ascii: ";"), UInt8(ascii: "="), UInt8(ascii: "%"):
            return true
        default:
            return false
        }
    }
}
