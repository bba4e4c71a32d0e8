import Foundation
import IngressProxy
import KProxyTestSupport
import ServiceModel
import Testing

/// HTTPS: the certificate a client sees is the one its server name (SNI) chooses among the
/// Ingresses' `tls` entries, the default one otherwise; HTTP/2 is offered by ALPN; requests
/// reach the same backends as over HTTP, marked `X-Forwarded-Proto: https`.
@Suite(.enabled(if: NetworkNamespace.which("curl") != nil, "needs curl"))
struct TLSTests {
    /// A TLS Secret for a certificate whose common name is `commonName`.
    static func secret(_ name: String, commonName: String, hosts: [String]) throws -> String {
        let pem = try TLSCertificate.selfSignedPEM(commonName: commonName, dnsNames: hosts)
        let encode = { (text: String) in Data(text.utf8).base64EncodedString() }
        return """
            ---
            apiVersion: v1
            kind: Secret
            metadata: {name: \(name), namespace: prod}
            type: kubernetes.io/tls
            data: {tls.crt: \(encode(pem.certificate)), tls.key: \(encode(pem.key))}

            """
    }

    static func ingresses() throws -> String {
        """
        apiVersion: networking.k8s.io/v1
        kind: Ingress
        metadata: {name: shop, namespace: prod, creationTimestamp: "2026-01-01T00:00:00Z"}
        spec:
          tls: [{hosts: [shop.example.com], secretName: shop-tls}]
          rules:
          - host: shop.example.com
            http: {paths: [{path: /, pathType: Prefix, backend: {service: {name: shop, port: {number: 80}}}}]}
        ---
        apiVersion: networking.k8s.io/v1
        kind: Ingress
        metadata: {name: wildcard, namespace: prod, creationTimestamp: "2026-02-01T00:00:00Z"}
        spec:
          tls: [{hosts: ["*.example.com"], secretName: wildcard-tls}, {hosts: [gone.example.org], secretName: missing-tls}]
          rules:
          - host: "*.example.com"
            http: {paths: [{path: /, pathType: Prefix, backend: {service: {name: wildcard, port: {number: 80}}}}]}
        ---
        apiVersion: networking.k8s.io/v1
        kind: Ingress
        metadata: {name: newer, namespace: prod, creationTimestamp: "2026-03-01T00:00:00Z"}
        spec:
          tls: [{hosts: [shop.example.com], secretName: newer-tls}]
          defaultBackend: {service: {name: wildcard, port: {number: 80}}}

        """ + (try secret("shop-tls", commonName: "shop.example.com", hosts: ["shop.example.com"]))
            + (try secret("wildcard-tls", commonName: "wildcard.example.com", hosts: ["*.example.com"]))
            + (try secret("newer-tls", commonName: "newer.example.com", hosts: ["shop.example.com"]))
    }

    struct Row: Sendable, CustomTestStringConvertible {
        var serverName: String
        var http2 = true
        /// The common name of the certificate the client sees.
        var certificate: String
        var backend: String?
        var testDescription: String { "\(serverName)\(http2 ? " h2" : " http/1.1") → \(certificate)" }
    }

    static let fake = "Kubernetes Ingress Controller Fake Certificate"
    static let rows = [
        Row(serverName: "shop.example.com", certificate: "shop.example.com", backend: "shop-0"),
        Row(serverName: "shop.example.com", http2: false, certificate: "shop.example.com", backend: "shop-0"),
        Row(serverName: "blog.example.com", certificate: "wildcard.example.com", backend: "wildcard-0"),
        Row(serverName: "a.b.example.com", certificate: fake, backend: "wildcard-0"),
        Row(serverName: "gone.example.org", certificate: fake, backend: "wildcard-0"),
    ]

    @Test(arguments: rows)
    func theServerNameChoosesTheCertificate(_ row: Row) async throws {
        try await IngressHarness.with(ingressYAML: try Self.ingresses(), services: ["shop": 1, "wildcard": 1], https: true) { harness in
            let port = try #require(harness.proxy.httpsPort)
            let result = try Command.run([
                "curl", "-sk", "-v", "--max-time", "10", row.http2 ? "--http2" : "--http1.1",
                "--resolve", "\(row.serverName):\(port):127.0.0.1", "-w", "\\n%{http_version}",
                "https://\(row.serverName):\(port)/path",
            ])
            #expect(result.status == 0, "\(result.stderr)")
            #expect(result.stderr.contains("subject: CN=\(row.certificate)"), "\(result.stderr)")
            let lines = result.stdout.split(separator: "\n").map(String.init)
            #expect(lines.first == row.backend)
            #expect(lines.last == (row.http2 ? "2" : "1.1"))
            #expect(lines.contains("x-forwarded-proto: https"))
        }
    }

    @Test func aMissingSecretIsAWarningAndAnUnreadableOneAProblem() throws {
        let broken = """
            ---
            apiVersion: v1
            kind: Secret
            metadata: {name: shop-tls, namespace: prod}
            type: kubernetes.io/tls
            stringData: {tls.crt: "not a certificate", tls.key: "not a key"}
            """
        let good = try ManifestLoader.load(bytes: Array(try Self.ingresses().utf8), file: "cluster.yaml")
        let table = IngressRouteTable(good)
        #expect(table.problems.isEmpty)
        #expect(table.warnings == ["Ingress prod/wildcard: spec.tls[1]: Secret prod/missing-tls with tls.crt and tls.key not found; "
                                   + "the default certificate is served"])
        let ingressesOnly = try Self.ingresses().components(separatedBy: "---\napiVersion: v1\nkind: Secret")[0]
        let bad = try ManifestLoader.load(bytes: Array((ingressesOnly + broken).utf8), file: "cluster.yaml")
        #expect(IngressRouteTable(bad).problems.map(\.description).first?
            .hasPrefix("Secret prod/shop-tls: data[tls.crt]: not a PEM certificate chain") == true,
                "\(IngressRouteTable(bad).problems)")
    }
}
