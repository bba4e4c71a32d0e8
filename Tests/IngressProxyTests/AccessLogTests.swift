@testable import IngressProxy
import NIOHTTP1
import ServiceModel
import Testing

/// The access log line's upstream part for what became of a request: the upstream and the
/// endpoint it went to, the Ingress backend when no endpoint was tried, nothing when no
/// rule took it.
@Suite struct AccessLogTests {
    struct Row: CustomTestStringConvertible, Sendable {
        var name: String
        var routed: Bool
        var forwarded: Bool
        var status: HTTPResponseStatus
        var upstreamPart: String
        var testDescription: String { name }
    }

    static let rows = [
        Row(name: "forwarded", routed: true, forwarded: true, status: .ok, upstreamPart: "[prod-web-80] 10.180.0.1:8080 200"),
        Row(name: "no endpoints", routed: true, forwarded: false, status: .serviceUnavailable,
            upstreamPart: "[service web:80] - -"),
        Row(name: "no rule", routed: false, forwarded: false, status: .notFound, upstreamPart: "[] - -"),
    ]

    static let upstream = IngressUpstream(
        service: NamespacedName(namespace: "prod", name: "web"), port: .number(80),
        endpoints: [UpstreamAddress(address: IPAddress("10.180.0.1")!, port: 8080)])

    @Test(arguments: rows)
    func namesWhereTheRequestWent(_ row: Row) {
        let route = IngressRoute(backend: .service(name: "web", port: .number(80)),
                                 ingress: NamespacedName(namespace: "prod", name: "shop"),
                                 match: .path(host: "shop.example.com", path: "/", type: .prefix))
        let record = RequestRecord(
            client: "192.0.2.7", head: HTTPRequestHead(version: .http1_1, method: .GET, uri: "/cart"), status: row.status,
            bodyBytesSent: 12, requestBytes: 80, seconds: 0.0042, route: row.routed ? route : nil,
            upstream: row.forwarded ? Self.upstream : nil, upstreamAddress: row.forwarded ? Self.upstream.endpoints[0] : nil,
            upstreamStatus: row.forwarded ? row.status : nil, service: row.routed ? "web" : nil)
        let line = "\(AccessLog.line(record))"
        #expect(line == "192.0.2.7 \"GET /cart HTTP/1.1\" \(row.status.code) 12 \"-\" \"-\" 80 0.004 \(row.upstreamPart)")
    }
}
