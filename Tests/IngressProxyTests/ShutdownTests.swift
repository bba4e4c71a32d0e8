import Foundation
@testable import IngressProxy
import KProxyTestSupport
import Testing

/// A shutdown as on SIGTERM: no new connections, idle ones closed at once, requests in
/// flight answered (with `Connection: close`), HTTP/2 clients told by GOAWAY; what is still
/// busy at the deadline is cut and counted.
@Suite struct ShutdownTests {
    static let ingress = IngressHarness.catchAll("web")

    /// The request in flight is one whose endpoint has not answered yet: the endpoint
    /// answers only once the shutdown is under way (``TestBackend/resumeReading()``).
    @Test func requestsInFlightFinishAndIdleConnectionsClose() async throws {
        try await IngressHarness.with(ingressYAML: Self.ingress, services: ["web": 1]) { harness in
            let web = try #require(harness.backends["web"]?.first)
            let idle = try RawHTTPConnection(port: harness.proxy.httpPort)
            try idle.send("GET / HTTP/1.1\r\nHost: a.example.com\r\n\r\n")
            #expect(try await offThePool { try idle.response() }.status == 200)
            // The body only after the endpoint stopped reading, so it cannot answer yet.
            let inFlight = try RawHTTPConnection(port: harness.proxy.httpPort)
            try inFlight.send("POST /pause-read HTTP/1.1\r\nHost: a.example.com\r\nContent-Length: 5\r\n\r\n")
            try await eventually(seconds: 5) { web.pausedConnections == 1 }
            try inFlight.send("hello")

            let shutdown = Task { await harness.proxy.shutdown(timeout: .seconds(10)) }
            #expect(try await offThePool { try idle.isClosedByPeer() }, "an idle kept-alive connection is closed at once")
            #expect(throws: SocketError.self, "no new connections") { try RawHTTPConnection(port: harness.proxy.httpPort) }
            web.resumeReading()
            let response = try await offThePool { try inFlight.response() }
            #expect(response.status == 200)
            #expect(response.header("connection") == "close", "\(response.headers)")
            #expect(try await offThePool { try inFlight.isClosedByPeer() })
            #expect(await shutdown.value == 0, "nothing was left to cut")
        }
    }

    @Test func whatIsBusyAtTheDeadlineIsCut() async throws {
        try await IngressHarness.with(ingressYAML: Self.ingress, services: ["web": 1]) { harness in
            let web = try #require(harness.backends["web"]?.first)
            let silent = try RawHTTPConnection(port: harness.proxy.httpPort)
            try silent.send("GET /silent HTTP/1.1\r\nHost: a.example.com\r\n\r\n")
            try await eventually(seconds: 5) { web.requests == 1 }
            #expect(await harness.proxy.shutdown(timeout: .milliseconds(300)) == 1)
            #expect(try await offThePool { try silent.readsToTheEnd() }, "the client's connection is closed")
        }
    }

    /// A connection still in its TLS handshake carries no request: it is closed at once, and
    /// the shutdown does not wait for it.
    @Test func aConnectionStillInItsHandshakeIsClosedAtOnce() async throws {
        try await IngressHarness.with(ingressYAML: Self.ingress, services: ["web": 1], https: true) { harness in
            let port = try #require(harness.proxy.httpsPort)
            let handshaking = try RawHTTPConnection(port: port, timeoutSeconds: 5)
            try handshaking.send([0x16, 0x03, 0x01])  // the start of a ClientHello, no more
            var accepted = false
            for _ in 0..<100 where !accepted {
                accepted = await harness.proxy.clientConnections() == 1
                if !accepted { try await Task.sleep(for: .milliseconds(50)) }
            }
            #expect(accepted, "the proxy accepted the connection")
            #expect(await harness.proxy.shutdown(timeout: .seconds(3)) == 0, "nothing was left to cut")
            #expect(try await offThePool { try handshaking.readsToTheEnd() }, "closed before the read timed out")
        }
    }

    /// An HTTP/2 client gets the stream it opened answered, and GOAWAY: its next request
    /// does not go on that connection, and no new one is accepted.
    @Test(.enabled(if: NetworkNamespace.which("curl") != nil, "needs curl"))
    func anHTTP2ClientIsToldToGoAway() async throws {
        try await IngressHarness.with(ingressYAML: Self.ingress, services: ["web": 1], https: true) { harness in
            let web = try #require(harness.backends["web"]?.first)
            let port = try #require(harness.proxy.httpsPort)
            let url = "https://a.example.com:\(port)"
            let curl = ["curl", "-sk", "--http2", "--max-time", "30", "--resolve", "a.example.com:\(port):127.0.0.1",
                        "-w", "%{http_code} %{http_version}\\n", "-o", "/dev/null", "\(url)/hold", "\(url)/"]
            async let client = offThePool { try Command.run(curl) }
            try await eventually(seconds: 30) { web.heldRequests == 1 }
            let shutdown = Task { await harness.proxy.shutdown(timeout: .seconds(30)) }
            try await eventually(seconds: 30) { harness.proxy.isShuttingDown }
            web.releaseHeld()
            #expect(await shutdown.value == 0)
            let result = try await client
            #expect(result.stdout.split(separator: "\n").first == "200 2", "\(result.stdout)")
            #expect(web.requests == 1, "the second request was not served: \(result.stdout)")
            #expect(result.status != 0)
        }
    }
}
