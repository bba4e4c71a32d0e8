import KProxyTestSupport
import ServiceModel
import Testing

/// The reference cases under Fixtures/cases, by name.
let fixtureCases: [String] = {
    let fileManager = FileManager.default
    let names = (try? fileManager.contentsOfDirectory(atPath: packageRoot + "/Fixtures/cases")) ?? []
    return names.filter { !$0.hasPrefix(".") && !$0.hasSuffix(".md") }.sorted()
}()

/// The messages loading `yaml` gives, one a problem; empty when it loads clean.
func problems(_ yaml: String, file: String = "cluster.yaml") -> [String] {
    do {
        _ = try ManifestLoader.load(bytes: Array(yaml.utf8), file: file)
        return []
    } catch {
        return error.errors.map(\.description)
    }
}

/// Loads `yaml`, failing the test on any problem.
func load(_ yaml: String, sourceLocation: SourceLocation = #_sourceLocation) throws -> Manifests {
    do {
        return try ManifestLoader.load(bytes: Array(yaml.utf8), file: "test.yaml")
    } catch {
        Issue.record("unexpected problems:\n\(error)", sourceLocation: sourceLocation)
        throw error
    }
}

/// A Service in prod named api, with `spec` (lines indented by two spaces) and optional
/// extra top-level text (a `status:` block).
func service(_ spec: String, name: String = "api", namespace: String = "prod", tail: String = "") -> String {
    "apiVersion: v1\nkind: Service\nmetadata:\n  name: \(name)\n  namespace: \(namespace)\nspec:\n\(spec)\(tail)"
}

/// An IPv4 EndpointSlice of prod/api named api-abc, with `body` after the header.
func slice(_ body: String, labels: String = "    kubernetes.io/service-name: api\n", addressType: String = "IPv4") -> String {
    "apiVersion: discovery.k8s.io/v1\nkind: EndpointSlice\naddressType: \(addressType)\nmetadata:\n  name: api-abc\n  namespace: prod\n  labels:\n\(labels)\(body)"
}

import Foundation
