@testable import ServiceModel
import KProxyTestSupport
import Testing

@Suite struct YAMLTests {
    @Test func readsJSON() throws {
        let json = """
            {
            \t"apiVersion": "v1", "kind": "Service",
                "metadata": {"name": "api", "namespace": "prod"},
                "spec": {"clusterIP": "10.96.0.20", "ports": [{"name": "http", "port": 80, "targetPort": 8080}]}
            }
            """
        let manifests = try load(json)
        #expect(manifests.services.first?.ports.first?.targetPort == .number(8080))
    }

    @Test func readsListsAndMultiDocumentStreams() throws {
        let list = """
            apiVersion: v1
            kind: List
            items:
            - apiVersion: v1
              kind: Service
              metadata: {name: a, namespace: prod}
              spec: {ports: [{port: 80}]}
            - apiVersion: v1
              kind: ConfigMap
              metadata: {name: settings}
            ---
            ---
            apiVersion: v1
            kind: Service
            metadata: {name: b}
            spec: {ports: [{port: 80}]}

            """
        let manifests = try load(list)
        #expect(manifests.services.map(\.namespacedName.description) == ["prod/a", "default/b"])
        #expect(manifests.skippedKinds == ["ConfigMap": 1])
        #expect(manifests.countsByKind == ["Service": 2, "ConfigMap": 1])
    }

    @Test func followsAnchorsAndMergeKeys() throws {
        let yaml = """
            apiVersion: v1
            kind: Service
            metadata: {name: api, namespace: prod}
            spec:
              ports:
              - &http {name: http, port: 80, protocol: TCP}
              - <<: *http
                name: alt
                port: 8080

            """
        let ports = try load(yaml).services[0].ports
        #expect(ports.map(\.name) == ["http", "alt"])
        #expect(ports.map(\.port) == [80, 8080])
    }

    @Test func scalarsAreTypedLikeKubernetesDoes() {
        #expect(YAMLScalar.resolvePlain("yes") == .bool(true))
        #expect(YAMLScalar.resolvePlain("Off") == .bool(false))
        #expect(YAMLScalar.resolvePlain("0x1F") == .int(31))
        #expect(YAMLScalar.resolvePlain("010") == .int(8))
        #expect(YAMLScalar.resolvePlain("1_000") == .int(1000))
        #expect(YAMLScalar.resolvePlain("~") == .null)
        #expect(YAMLScalar.resolvePlain("1.5") == .float(1.5))
        #expect(YAMLScalar.resolvePlain("10.96.0.1") == .string("10.96.0.1"))
    }

    @Test func aStringFieldTakesAnyScalarsText() throws {
        // `name: 8080` is a number in YAML but a string field reads its text.
        let manifests = try load(service("  ports:\n  - name: web\n    port: 80\n    targetPort: http\n", name: "a1"))
        #expect(manifests.services[0].metadata.name == "a1")
        let yes = try load("apiVersion: v1\nkind: Node\nmetadata:\n  name: \"true\"\n  labels:\n    flag: yes\n")
        #expect(yes.nodes[0].metadata.labels["flag"] == "yes")
    }

    @Test func reportsPositionsOfSyntaxErrors() {
        #expect(throws: YAMLSyntaxError(line: 2, column: 1, problem: "unknown anchor \"missing\" referenced")) {
            try YAMLReader.forEachDocument(in: Array("a: 1\n*missing: 2\n".utf8)) { _ in }
        }
        #expect(problems("a: [\n", file: "x.json") == ["x.json:2:1: invalid YAML: did not find expected node content (while parsing a flow node at line 2)"])
    }

    @Test func readsDirectoriesLikeKubectl() throws {
        let manifests = try ManifestLoader.load(paths: [packageRoot + "/Fixtures/cases/kube-dns"])
        // cluster.yaml and kube-proxy.yaml; expected.iptables and about.txt are not manifests.
        #expect(manifests.services.count == 1)
        #expect(manifests.configurations.count == 1)
        #expect(throws: ManifestErrors.self) { try ManifestLoader.load(paths: ["/nonexistent/cluster.yaml"]) }
        do {
            _ = try ManifestLoader.load(paths: ["/nonexistent/cluster.yaml"])
        } catch {
            #expect(error.description == "/nonexistent/cluster.yaml: cannot read: no such file or directory")
        }
    }

    @Test func goDurations() {
        #expect(parseGoDuration("30s") == .seconds(30))
        #expect(parseGoDuration("1m30s") == .seconds(90))
        #expect(parseGoDuration("500ms") == .milliseconds(500))
        #expect(parseGoDuration("1.5h") == .seconds(5400))
        #expect(parseGoDuration("0") == .zero)
        #expect(parseGoDuration("30") == nil)
        #expect(goDurationText(.seconds(3600)) == "1h0m0s")
    }
}
