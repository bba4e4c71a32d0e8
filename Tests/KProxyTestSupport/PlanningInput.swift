import ProxyCore
import ServiceModel
import Testing

/// What planning one manifest state needs, read as `sync` reads it: the manifests, the
/// settings for the configuration's node (its `hostnameOverride`), and the joined catalog.
public struct PlanningInput: Sendable {
    public var manifests: Manifests
    public var settings: ProxySettings
    public var catalog: ServiceCatalog

    /// The service ranges the manifests' ServiceCIDR objects give.
    public var serviceCIDRs: [IPPrefix] { manifests.serviceCIDRs.flatMap(\.cidrs) }

    /// Reads `manifest` and `configuration` (paths relative to the package root) and plans
    /// for `family`, else the family of the node's first IP.
    public init(manifest: String, configuration: String, family: IPFamily? = nil) throws {
        manifests = try ManifestLoader.load(paths: [packagePath(manifest)])
        let configuration = try ManifestLoader.loadConfiguration(path: packagePath(configuration))
        let nodeName = try #require(configuration.hostnameOverride, "\(configuration) names no node")
        let node = ProxyNode(try #require(manifests.node(named: nodeName), "no Node \(nodeName) in \(manifest)"))
        catalog = ServiceCatalog(services: manifests.services, endpointSlices: manifests.endpointSlices,
                                 endpoints: manifests.endpoints, localNodeName: nodeName)
        settings = ProxySettings(configuration: configuration, node: node,
                                 family: family ?? node.addresses.first?.family ?? .ipv4)
    }
}

extension FixtureRun {
    /// This run's planning input.
    public func planningInput() throws -> PlanningInput {
        try PlanningInput(manifest: manifest, configuration: configuration, family: family)
    }
}
