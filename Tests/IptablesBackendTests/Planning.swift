import Foundation
import IptablesBackend
import KProxyTestSupport
import ProxyCore
import ServiceModel
import Testing

/// Plans a reference-case run through the library, as `sync --dry-run` does.
func plan(_ run: FixtureRun) throws -> Ruleset {
    try planned(run).ruleset
}

/// The plan of a reference-case run with the settings and catalog it came from.
func planned(_ run: FixtureRun) throws -> (ruleset: Ruleset, settings: ProxySettings, catalog: ServiceCatalog) {
    let input = try run.planningInput()
    return (RulePlanner(settings: input.settings).plan(input.catalog), input.settings, input.catalog)
}

/// The test node: `node-a` in zone `zone-a`, 10.0.0.1 and fd00::1, pod CIDRs 10.244.1.0/24
/// and fd00:10:244:1::/64.
let testNode = ProxyNode(name: "node-a", zone: "zone-a",
                         addresses: [IPAddress("10.0.0.1")!, IPAddress("fd00::1")!],
                         podCIDRs: [IPPrefix("10.244.1.0/24")!, IPPrefix("fd00:10:244:1::/64")!])

/// The cluster CIDRs most tests plan with.
let testClusterCIDRs = [IPPrefix("10.244.0.0/16")!, IPPrefix("fd00:10:244::/48")!]

/// Plans `yaml` (Services, EndpointSlices…) for `node` and returns the restore text.
func plannedText(_ yaml: String, configuration: KubeProxyConfiguration = KubeProxyConfiguration(clusterCIDRs: testClusterCIDRs),
                 node: ProxyNode = testNode, family: IPFamily = .ipv4, host: HostFeatures = HostFeatures(),
                 sourceLocation: SourceLocation = #_sourceLocation) throws -> String {
    RestoreRenderer.text(try planned(yaml, configuration: configuration, node: node, family: family, host: host,
                                     sourceLocation: sourceLocation))
}

/// Plans `yaml` for `node` and returns the ruleset.
func planned(_ yaml: String, configuration: KubeProxyConfiguration = KubeProxyConfiguration(clusterCIDRs: testClusterCIDRs),
             node: ProxyNode = testNode, family: IPFamily = .ipv4, host: HostFeatures = HostFeatures(),
             sourceLocation: SourceLocation = #_sourceLocation) throws -> Ruleset {
    let manifests: Manifests
    do {
        manifests = try ManifestLoader.load(bytes: Array(yaml.utf8), file: "test.yaml")
    } catch {
        Issue.record("the test manifests do not load:\n\(error)", sourceLocation: sourceLocation)
        throw error
    }
    let catalog = ServiceCatalog(services: manifests.services, endpointSlices: manifests.endpointSlices,
                                 endpoints: manifests.endpoints, localNodeName: node.name)
    let settings = ProxySettings(configuration: configuration, node: node, family: family, host: host)
    return RulePlanner(settings: settings).plan(catalog)
}

/// The rendered rules of one chain (`-A CHAIN …` lines without the `-A CHAIN ` prefix).
func rules(of chain: String, in text: String) -> [String] {
    let prefix = "-A \(chain) "
    return text.split(separator: "\n").filter { $0.hasPrefix(prefix) }.map { String($0.dropFirst(prefix.count)) }
}

/// The names of the chains that `text` declares, per table.
func declaredChains(in text: String) -> [String: [String]] {
    var result: [String: [String]] = [:]
    var table = ""
    for line in text.split(separator: "\n") {
        if line.hasPrefix("*") { table = String(line.dropFirst()) }
        if line.hasPrefix(":") { result[table, default: []].append(String(line.dropFirst().split(separator: " ")[0])) }
    }
    return result
}

/// A Service YAML document (ClusterIP 172.30.0.10 unless `spec` says otherwise).
func serviceYAML(_ name: String, namespace: String = "prod", spec: String, status: String = "") -> String {
    """
    ---
    apiVersion: v1
    kind: Service
    metadata:
      name: \(name)
      namespace: \(namespace)
    spec:
    \(spec.split(separator: "\n").map { "  " + $0 }.joined(separator: "\n"))
    \(status)
    """
}

/// An EndpointSlice document for `service`, one endpoint per entry of `endpoints`
/// (`ip` or `ip@node` or `ip@node!` for a terminating one), port `port` named `portName`.
func sliceYAML(_ service: String, namespace: String = "prod", addressType: String = "IPv4", name: String? = nil,
               endpoints: [String], port: Int = 8080, portName: String = "http", protocolName: String = "TCP") -> String {
    let items = endpoints.map { spec -> String in
        let terminating = spec.hasSuffix("!")
        let parts = spec.replacingOccurrences(of: "!", with: "").split(separator: "@").map(String.init)
        let node = parts.count > 1 ? "\n  nodeName: \(parts[1])" : ""
        let conditions = terminating ? "{ready: false, serving: true, terminating: true}" : "{ready: true, serving: true, terminating: false}"
        return "- addresses: [\"\(parts[0])\"]\n  conditions: \(conditions)\(node)"
    }.joined(separator: "\n")
    return """
    ---
    apiVersion: discovery.k8s.io/v1
    kind: EndpointSlice
    addressType: \(addressType)
    metadata:
      name: \(name ?? "\(service)-\(addressType.lowercased())")
      namespace: \(namespace)
      labels:
        kubernetes.io/service-name: \(service)
    endpoints:\(endpoints.isEmpty ? " []" : "\n" + items)
    ports:
    - name: \(portName)
      port: \(port)
      protocol: \(protocolName)
    """
}
