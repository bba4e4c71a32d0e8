import Foundation
import IngressProxy
import KProxyTestSupport
import Testing

/// Route tables swap whole: new requests follow the new table at once, a request already
/// routed finishes where it was sent.
@Suite struct RouteChangeTests {
    static let ingress = IngressHarness.catchAll("web")

    /// Which backend answered each of `count` requests, on new connections or on one.
    static func answers(_ harness: IngressHarness, count: Int, keptAlive: RawHTTPConnection? = nil) throws -> [String: Int] {
        var seen: [String: Int] = [:]
        for _ in 0..<count {
            let response: RawHTTPConnection.Response
            if let keptAlive {
                try keptAlive.send("GET / HTTP/1.1\r\nHost: a.example.com\r\n\r\n")
                response = try keptAlive.response()
            } else {
                response = try harness.get("a.example.com", "/")
            }
            seen[response.header("x-backend") ?? "status \(response.status)", default: 0] += 1
        }
        return seen
    }

    @Test func aRemovedEndpointGetsNoNewRequests() async throws {
        try await IngressHarness.with(ingressYAML: Self.ingress, services: ["web": 2]) { harness in
            let keptAlive = try RawHTTPConnection(port: harness.proxy.httpPort)
            #expect(try Self.answers(harness, count: 20) == ["web-0": 10, "web-1": 10], "round-robin")
            #expect(try Self.answers(harness, count: 4, keptAlive: keptAlive).count == 2)
            let web = try #require(harness.backends["web"])
            await harness.proxy.update(try harness.table(Self.ingress, with: ["web": [web[0]]]))
            let servedBefore = web[1].requests
            #expect(try Self.answers(harness, count: 20) == ["web-0": 20])
            #expect(try Self.answers(harness, count: 10, keptAlive: keptAlive) == ["web-0": 10])
            #expect(web[1].requests == servedBefore)
        }
    }

    @Test func aRequestInFlightFinishesOnTheTableItWasRoutedBy() async throws {
        try await IngressHarness.with(ingressYAML: Self.ingress, services: ["web": 2]) { harness in
            let web = try #require(harness.backends["web"])
            await harness.proxy.update(try harness.table(Self.ingress, with: ["web": [web[0]]]))
            let slow = try RawHTTPConnection(port: harness.proxy.httpPort)
            try slow.send("GET /slow/400 HTTP/1.1\r\nHost: a.example.com\r\n\r\n")
            try await eventually(seconds: 5) { web[0].requests == 1 }
            await harness.proxy.update(try harness.table(Self.ingress, with: ["web": [web[1]]]))
            #expect(try Self.answers(harness, count: 3) == ["web-1": 3])
            let response = try slow.response()
            #expect(response.status == 200)
            #expect(response.text == "web-0\n")
        }
    }
}
