import Foundation
import KProxyTestSupport
import KubernetesClient
import Testing

/// The API server and credentials are found as kube-proxy finds them.
@Suite struct APIConnectionTests {
    static let kubeconfig = """
        apiVersion: v1
        kind: Config
        current-context: admin@test
        clusters:
        - name: test
          cluster:
            server: https://10.0.0.1:6443
            certificate-authority: pki/ca.crt
        - name: other
          cluster:
            server: https://other:6443
            certificate-authority-data: \(Data("OTHER CA".utf8).base64EncodedString())
            tls-server-name: api.other
        - name: lab
          cluster:
            server: https://lab:6443
            insecure-skip-tls-verify: true
        users:
        - name: admin
          user:
            client-certificate: pki/admin.crt
            client-key-data: \(Data("ADMIN KEY".utf8).base64EncodedString())
        - name: proxy
          user:
            tokenFile: /var/lib/kproxy/token
        - name: plugin
          user:
            exec:
              command: get-token
        contexts:
        - name: admin@test
          context: {cluster: test, user: admin}
        - name: proxy@other
          context: {cluster: other, user: proxy}
        - name: token@lab
          context: {cluster: lab, user: proxy}
        - name: plugin@lab
          context: {cluster: lab, user: plugin}
        - name: broken
          context: {cluster: nowhere, user: proxy}
        """

    /// A kubeconfig in a temporary directory, with its files beside it.
    @discardableResult
    func withKubeconfig<Result>(_ body: (String) throws -> Result) throws -> Result {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("kubeconfig-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        try FileManager.default.createDirectory(at: directory.appendingPathComponent("pki"), withIntermediateDirectories: true)
        try "TEST CA".write(to: directory.appendingPathComponent("pki/ca.crt"), atomically: true, encoding: .utf8)
        try "ADMIN CERT".write(to: directory.appendingPathComponent("pki/admin.crt"), atomically: true, encoding: .utf8)
        let path = directory.appendingPathComponent("config").path
        try Self.kubeconfig.write(toFile: path, atomically: true, encoding: .utf8)
        return try body(path)
    }

    @Test func theCurrentContextWithFilesBesideTheKubeconfig() throws {
        try withKubeconfig { path in
            let connection = try APIConnection.resolve(kubeconfig: path, context: nil, master: nil, environment: [:])
            #expect(connection.server == "https://10.0.0.1:6443")
            #expect(connection.trust == .certificateAuthority(pem: Array("TEST CA".utf8)))
            #expect(connection.clientCertificate?.certificate == Array("ADMIN CERT".utf8))
            #expect(connection.clientCertificate?.key == Array("ADMIN KEY".utf8))
            #expect(connection.token == nil)
        }
    }

    @Test func anotherContextInlineDataAndATokenFile() throws {
        try withKubeconfig { path in
            let connection = try APIConnection.resolve(kubeconfig: path, context: "proxy@other", master: nil, environment: [:])
            #expect(connection.trust == .certificateAuthority(pem: Array("OTHER CA".utf8)))
            #expect(connection.tlsServerName == "api.other")
            #expect(connection.token == .file(path: "/var/lib/kproxy/token"))
        }
    }

    @Test func masterOverridesTheServerAndInsecureSkipsVerification() throws {
        try withKubeconfig { path in
            let connection = try APIConnection.resolve(kubeconfig: path, context: "token@lab", master: "https://127.0.0.1:8443",
                                                       environment: [:])
            #expect(connection.server == "https://127.0.0.1:8443")
            #expect(connection.trust == .insecure)
        }
    }

    struct Refusal: Sendable, CustomTestStringConvertible {
        var context: String
        var message: String
        var testDescription: String { context }
    }

    @Test(arguments: [
        Refusal(context: "plugin@lab", message: "credential plugin"),
        Refusal(context: "broken", message: #"clusters: Not found: "nowhere""#),
        Refusal(context: "missing", message: #"contexts: Not found: "missing""#),
    ])
    func unusableContextsAreRefusedWithTheReason(_ refusal: Refusal) throws {
        try withKubeconfig { path in
            #expect {
                _ = try APIConnection.resolve(kubeconfig: path, context: refusal.context, master: nil, environment: [:])
            } throws: { error in
                "\(error)".contains(refusal.message)
            }
        }
    }

    @Test func inClusterUsesTheServiceAccount() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("serviceaccount-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        try "TOKEN".write(to: directory.appendingPathComponent("token"), atomically: true, encoding: .utf8)
        try "CLUSTER CA".write(to: directory.appendingPathComponent("ca.crt"), atomically: true, encoding: .utf8)
        let environment = ["KUBERNETES_SERVICE_HOST": "fd00::1", "KUBERNETES_SERVICE_PORT": "443"]
        let connection = try APIConnection.resolve(kubeconfig: nil, context: nil, master: nil, environment: environment,
                                                   serviceAccountDirectory: directory.path)
        #expect(connection.server == "https://[fd00::1]:443")
        #expect(connection.trust == .certificateAuthority(pem: Array("CLUSTER CA".utf8)))
        #expect(connection.token == .file(path: directory.path + "/token"))
        #expect(throws: APIConnectionError.self) {
            _ = try APIConnection.resolve(kubeconfig: nil, context: nil, master: nil, environment: [:],
                                          serviceAccountDirectory: directory.path)
        }
    }
}
