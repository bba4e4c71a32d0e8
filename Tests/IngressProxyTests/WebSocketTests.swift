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

    @Test func anEchoWorksThroughTheUpgradedConnection() async throws {
        try await IngressHarness.with(ingressYAML: Self.ingress, services: ["echo": 1]) { harness in
            let connection = try RawHTTPConnection(port: harness.proxy.httpPort)
            let key = Data((0..<16).map { UInt8($0) }).base64EncodedString()
            try connection.send("GET /chat HTTP/1.1\r\nHost: a.example.com\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                                + "Sec-WebSocket-Key: \(key)\r\nSec-WebSocket-Version: 13\r\n\r\n")
            let response = try connection.response(forHead: true)
            #expect(response.status == 101)
            #expect(response.header("upgrade")?.lowercased() == "websocket")
            let accept = Data(Insecure.SHA1.hash(data: Data((key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11").utf8))).base64EncodedString()
            #expect(response.header("sec-websocket-accept") == accept)
            for text in ["hello", "through the proxy"] {
                try connection.send(Self.clientFrame(text))
                let header = try connection.read(count: 2)
                #expect(header == [0x81, UInt8(text.utf8.count)])
                #expect(String(decoding: try connection.read(count: text.utf8.count), as: UTF8.self) == text)
            }
        }
    }
}
