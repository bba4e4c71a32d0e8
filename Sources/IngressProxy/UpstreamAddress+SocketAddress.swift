import NIOCore

extension UpstreamAddress {
    /// The address to connect to; `nil` only for an address NIO cannot take.
    var socketAddress: SocketAddress? {
        try? SocketAddress(ipAddress: address.description, port: port)
    }
}
