import Crypto
import Foundation
import IngressProxy
import KProxyTestSupport
import Testing

/// A WebSocket handshake goes through to the endpoint and, once it answers `101`, the
/// connection carries frames both ways.
@Suite struct WebSocketTests {
    static let ingress = IngressHarness.catchAll("echo")

    /// A masked text frame, as a client sends one.
    static func clientFrame(_ text: String) -> [UInt8] {
        let payload = Array(text.utf8)
        let mask: [UInt8] = [0x12, 0x34, 0x56, 0x78]
        return [0x81, 0x80 | UInt8(payload.count)] + mask + payload.enumerated().map { $0.element ^ mask[$0.offset % 4] }
    }

    /// Sends the handshake on `connection` and checks the endpoint's `101`.
    static func upgrade(_ connection: RawHTTPConnection) throws {
        let key = Data((0..<16).map { UInt8($0) }).base64EncodedString()
        try connection.send("GET /chat HTTP/1.1\r\nHost: a.example.com\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                            + "Sec-WebSocket-Key: \(key)\r\nSec-WebSocket-Version: 13\r\n\r\n")
        let response = try connection.response(forHead: true)
        #expect(response.status == 101)
        #expect(response.header("upgrade")?.lowercased() == "websocket")
        let accept = Data(Insecure.SHA1.hash(data: Data((key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11").utf8))).base64EncodedString()
        #expect(response.header("sec-websocket-accept") == accept)
    }

    @Test func anEchoWorksThroughTheUpgradedConnection() async throws {
        try await IngressHarness.with(ingressYAML: Self.ingress, services: ["echo": 1]) { harness in
            let connection = try RawHTTPConnection(port: harness.proxy.httpPort)
            try Self.upgrade(connection)
            for text in ["hello", "through the proxy"] {
                try connection.send(Self.clientFrame(text))
                let header = try connection.read(count: 2)
                #expect(header == [0x81, UInt8(text.utf8.count)])
                #expect(String(decoding: try connection.read(count: text.utf8.count), as: UTF8.self) == text)
            }
        }
    }

    /// The endpoint's read timeout holds for a tunnel too: one it leaves silent is closed.
    @Test func aTunnelTheEndpointLeavesSilentIsClosed() async throws {
        var limits = IngressProxyLimits()
        limits.readTimeout = .milliseconds(300)
        try await IngressHarness.with(ingressYAML: Self.ingress, services: ["echo": 1], limits: limits) { harness in
            let connection = try RawHTTPConnection(port: harness.proxy.httpPort, timeoutSeconds: 5)
            try Self.upgrade(connection)
            // Closed well within the read's 5 s: without the timeout the read times out.
            #expect(try await offThePool { try connection.readsToTheEnd() }, "closed before the read timed out")
        }
    }
}
