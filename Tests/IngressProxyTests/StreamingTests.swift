import Foundation
import IngressProxy
import KProxyTestSupport
import Synchronization
import Testing

/// Bodies stream through without being held: large uploads and downloads arrive whole,
/// and while one side stops reading, the other side is held back too (the proxy reads on
/// only as fast as it can write).
@Suite struct StreamingTests {
    static let ingress = IngressHarness.catchAll("files")

    static let size = 64 * 1024 * 1024
    /// More than the kernel's socket buffers on the way can hold (about 20 MiB on
    /// loopback at their largest), less than the whole body.
    static let heldBackLimit = 40 * 1024 * 1024

    /// A byte count once it has stopped growing (the same twice, half a second apart).
    static func settled(_ count: () -> Int) async throws -> Int {
        var last = -1
        while count() != last {
            last = count()
            try await Task.sleep(for: .milliseconds(500))
        }
        return last
    }

    static var unlimited: IngressProxyLimits {
        var limits = IngressProxyLimits(maxBodyBytes: nil)
        limits.readTimeout = .seconds(30)
        return limits
    }

    @Test func aDownloadWaitsForAClientThatStopsReading() async throws {
        try await IngressHarness.with(ingressYAML: Self.ingress, services: ["files": 1], limits: Self.unlimited) { harness in
            let backend = try #require(harness.backends["files"]?.first)
            let connection = try RawHTTPConnection(port: harness.proxy.httpPort, timeoutSeconds: 30)
            try connection.send("GET /bytes/\(Self.size) HTTP/1.1\r\nHost: a.example.com\r\n\r\n")
            let held = try await Self.settled { backend.sentBytes }
            #expect(held < Self.heldBackLimit, "the endpoint wrote \(held) bytes to a client that read none")
            let response = try connection.response(keep: 0)
            #expect(response.status == 200)
            #expect(response.bodyLength == Self.size)
        }
    }

    @Test func anUploadWaitsForAnEndpointThatStopsReading() async throws {
        try await IngressHarness.with(ingressYAML: Self.ingress, services: ["files": 1], limits: Self.unlimited) { harness in
            let backend = try #require(harness.backends["files"]?.first)
            let connection = try RawHTTPConnection(port: harness.proxy.httpPort, timeoutSeconds: 30)
            let sent = Atomic<Int>(0)
            let upload = Thread {
                let chunk = [UInt8](repeating: 0x62, count: 64 * 1024)
                try? connection.send("POST /pause-read HTTP/1.1\r\nHost: a.example.com\r\nContent-Length: \(Self.size)\r\n\r\n")
                while sent.load(ordering: .relaxed) < Self.size {
                    guard (try? connection.send(chunk)) != nil else { return }
                    sent.add(chunk.count, ordering: .relaxed)
                }
            }
            upload.start()
            try await eventually(seconds: 20) { backend.pausedConnections == 1 }
            // The client writes on until the buffers on the way are full, then waits.
            let held = try await Self.settled { sent.load(ordering: .relaxed) }
            #expect(held < Self.heldBackLimit, "the client wrote \(held) bytes to an endpoint that read none")
            backend.resumeReading()
            try await eventually(seconds: 30) { sent.load(ordering: .relaxed) == Self.size }
            let response = try connection.response()
            #expect(response.status == 200)
            #expect(backend.bodyBytes == Self.size)
        }
    }

    /// A chunked upload goes to the endpoint chunked and arrives whole.
    @Test func aChunkedBodyGoesOnChunked() async throws {
        try await IngressHarness.with(ingressYAML: Self.ingress, services: ["files": 1]) { harness in
            let connection = try RawHTTPConnection(port: harness.proxy.httpPort)
            try connection.send("POST /up HTTP/1.1\r\nHost: a.example.com\r\nTransfer-Encoding: chunked\r\n\r\n")
            for chunk in ["hello", " ", "world"] { try connection.send(String(chunk.utf8.count, radix: 16) + "\r\n" + chunk + "\r\n") }
            try connection.send("0\r\nX-Checksum: 1\r\n\r\n")
            let response = try connection.response()
            #expect(response.status == 200)
            #expect(response.text.contains("transfer-encoding: chunked\n"))
            #expect(harness.backends["files"]?.first?.bodyBytes == 11)
        }
    }

    /// `Expect: 100-continue` is answered by the proxy, then the body goes on.
    @Test func aContinueIsAnsweredBeforeTheBody() async throws {
        try await IngressHarness.with(ingressYAML: Self.ingress, services: ["files": 1]) { harness in
            let connection = try RawHTTPConnection(port: harness.proxy.httpPort)
            try connection.send("POST /up HTTP/1.1\r\nHost: a.example.com\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n")
            #expect(try connection.response().status == 100)
            try connection.send("hello")
            #expect(try connection.response().status == 200)
            #expect(harness.backends["files"]?.first?.bodyBytes == 5)
        }
    }

    @Test func aBodyOverTheLimitGets413() async throws {
        try await IngressHarness.with(ingressYAML: Self.ingress, services: ["files": 1]) { harness in
            let declared = try RawHTTPConnection(port: harness.proxy.httpPort)
            try declared.send("POST / HTTP/1.1\r\nHost: a.example.com\r\nContent-Length: \(2 * 1024 * 1024)\r\n\r\n")
            #expect(try declared.response().status == 413)
            let chunked = try RawHTTPConnection(port: harness.proxy.httpPort)
            try chunked.send("POST / HTTP/1.1\r\nHost: a.example.com\r\nTransfer-Encoding: chunked\r\n\r\n")
            let chunk = String(repeating: "c", count: 256 * 1024)
            for _ in 0..<5 { try chunked.send(String(chunk.utf8.count, radix: 16) + "\r\n" + chunk + "\r\n") }
            #expect(try chunked.response().status == 413)
        }
    }
}
