import Foundation
import IngressProxy
import KProxyTestSupport
import ServiceModel
import Testing

/// Every precedence rule, seen end to end: a request through the proxy reaches the backend
/// the rule chooses (each backend answers with its name).
@Suite struct RoutingTests {
    struct Row: Sendable, CustomTestStringConvertible {
        var host: String
        var path: String
        var backend: String
        var testDescription: String { "\(host)\(path) → \(backend)" }
    }

    static let rows = [
        Row(host: "shop.example.com", path: "/", backend: "shop"),
        Row(host: "SHOP.Example.com:8080", path: "/cart", backend: "shop"),
        Row(host: "blog.example.com", path: "/", backend: "wildcard"),
        Row(host: "a.b.example.com", path: "/", backend: "root"),
        Row(host: "example.com", path: "/", backend: "root"),
        Row(host: "other.org", path: "/aaa/bbb/c?x=1", backend: "bbb"),
        Row(host: "other.org", path: "/aaa/bbbb", backend: "aaa"),
        Row(host: "other.org", path: "/aaa/ccc", backend: "aaa"),
        Row(host: "other.org", path: "/foo", backend: "foo-exact"),
        Row(host: "other.org", path: "/foo/", backend: "foo-prefix"),
        Row(host: "other.org", path: "/foo/bar", backend: "foo-prefix"),
        Row(host: "other.org", path: "/tie/x", backend: "older"),
        Row(host: "api.example.com", path: "/v1", backend: "api"),
        Row(host: "api.example.com", path: "/v1/", backend: "fallback"),
        Row(host: "api.example.com", path: "/v2", backend: "fallback"),
    ]

    static let services = ["shop", "wildcard", "api", "root", "aaa", "bbb", "foo-prefix", "foo-exact", "newer", "older",
                           "fallback", "older-default", "other-class"]

    @Test(arguments: rows)
    func aRequestReachesTheBackendItsRuleChooses(_ row: Row) async throws {
        let ingresses = try String(contentsOfFile: packagePath("Fixtures/ingress/precedence.yaml"), encoding: .utf8)
        try await IngressHarness.with(ingressYAML: ingresses,
                                      services: Dictionary(uniqueKeysWithValues: Self.services.map { ($0, 1) })) { harness in
            let response = try harness.get(row.host, row.path)
            #expect(response.status == 200)
            #expect(response.text.split(separator: "\n").first.map(String.init) == "\(row.backend)-0", "\(response.text)")
            #expect(response.text.contains("GET \(row.path)\n"), "the path is passed on as sent")
        }
    }
}
