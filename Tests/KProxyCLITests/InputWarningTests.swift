import Foundation
import KProxyTestSupport
import Testing

/// Input that is read without error but is probably not what was meant: warned about, or,
/// when nothing at all is left to use, refused.
@Suite struct InputWarningTests {
    struct Case: Sendable, CustomTestStringConvertible {
        var name: String
        var command: [String]
        /// Manifest files to write, by name; `-f` names the directory holding them.
        var files: [String: String]
        var status: Int32
        /// Lines standard error must hold.
        var stderr: [String]
        var testDescription: String { name }
    }

    static let service = """
        apiVersion: v1
        kind: Service
        metadata: {name: api, namespace: prod}
        spec: {clusterIP: 10.96.0.5, ports: [{name: http, port: 80}]}

        """

    static let cases: [Case] = [
        Case(name: "misspelled kind → warned, skipped", command: ["validate"],
             files: ["a.yaml": service + "---\napiVersion: v1\nkind: Servcie\nmetadata: {name: web, namespace: prod}\n"],
             status: 0, stderr: ["a.yaml: Servcie prod/web: unknown kind \"Servcie\" (did you mean Service?); the object is skipped"]),
        Case(name: "other kinds → no warning", command: ["validate"],
             files: ["a.yaml": service + "---\napiVersion: v1\nkind: Pod\nmetadata: {name: web, namespace: prod}\n"],
             status: 0, stderr: []),
        Case(name: "misspelled field → unknown, beside the error", command: ["validate"],
             files: ["a.yaml": "apiVersion: v1\nkind: Service\nmetadata: {name: api, namespace: prod}\nspec: {prots: [{port: 80}]}\n"],
             status: 2, stderr: ["a.yaml: Service prod/api: unknown field \"spec.prots\"",
                                 "a.yaml: Service prod/api: spec.ports: Required value"]),
        Case(name: "misspelled nested field → its path", command: ["validate"],
             files: ["a.yaml": service.replacingOccurrences(of: "port: 80}", with: "port: 80, targtePort: 8080}")],
             status: 0, stderr: ["a.yaml: Service prod/api: unknown field \"spec.ports[0].targtePort\""]),
        Case(name: "empty directory → error", command: ["validate"], files: [:], status: 2,
             stderr: ["no Service, EndpointSlice, Endpoints, Node, Ingress or IngressClass objects; nothing was used."]),
        Case(name: "other kinds only → error", command: ["sync", "--dry-run", "--node-ip", "10.0.0.1"],
             files: ["a.yaml": "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\n"], status: 2,
             stderr: ["(1 of other kinds skipped); nothing was used."]),
        Case(name: "configuration alone → valid", command: ["validate"],
             files: ["kube-proxy.yaml": "apiVersion: kubeproxy.config.k8s.io/v1alpha1\nkind: KubeProxyConfiguration\n"],
             status: 0, stderr: []),
        Case(name: "configuration alone → nothing to sync", command: ["sync", "--dry-run", "--node-ip", "10.0.0.1"],
             files: ["kube-proxy.yaml": "apiVersion: kubeproxy.config.k8s.io/v1alpha1\nkind: KubeProxyConfiguration\n"],
             status: 2, stderr: ["no Service, EndpointSlice"]),
        Case(name: "IPv6 plan of an IPv4 cluster → warned", command: ["sync", "--dry-run", "--node-ip", "10.0.0.1", "--ip-family", "ipv6"],
             files: ["a.yaml": service], status: 0,
             stderr: ["neither Node \(ValidateCommandTests.hostName) nor any Service has an IPv6 address; the IPv6 plan holds only the fixed chains"]),
    ]

    @Test(arguments: cases)
    func inputIsWarnedAboutOrRefused(_ row: Case) throws {
        try withManifests(row.files) { directory in
            let result = try run(row.command + ["-f", directory])
            #expect(result.status == row.status, "\(result.stderr)")
            for line in row.stderr { #expect(result.stderr.contains(line), "\(result.stderr)") }
            if row.stderr.isEmpty { #expect(!result.stderr.contains("warning"), "\(result.stderr)") }
        }
    }

    /// A misspelled option is what is reported, not the -f that is missing as well.
    @Test func anUnknownOptionIsReportedBeforeAMissingFile() throws {
        let result = try run(["sync", "--dyr-run"])
        #expect(result.status == 64)
        #expect(result.stderr.hasPrefix("Error: Unknown option '--dyr-run'"), "\(result.stderr)")
        let missing = try run(["sync", "--dry-run"])
        #expect(missing.status == 64)
        #expect(missing.stderr.hasPrefix("Error: Give at least one manifest with -f FILE_OR_DIR.\nUsage: kproxy-iptables sync"),
                "\(missing.stderr)")
    }
}
