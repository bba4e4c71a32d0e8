import ServiceModel

/// What planning reads from files: the manifests, the configuration in effect and the join.
public struct LoadedInput: Sendable {
    public var manifests: Manifests
    public var configuration: KubeProxyConfiguration
    /// Where the configuration came from: a file, or "kube-proxy defaults".
    public var configurationSource: String
    public var catalog: ServiceCatalog
    /// The local Node, when the manifests hold it.
    public var node: Node?
    public var nodeName: String?

    /// Loads and joins; throws every problem found. The local node is `hostnameOverride`,
    /// else the configuration's, else `fallbackNodeName`.
    public static func load(files: [String], configPath: String?, hostnameOverride: String?,
                            fallbackNodeName: String? = nil) throws(ManifestErrors) -> LoadedInput {
        var errors: [ManifestError] = []
        var warnings: [ManifestWarning] = []
        var manifests = Manifests()
        do {
            manifests = try ManifestLoader.load(paths: files)
        } catch {
            errors += error.errors
            warnings += error.warnings
        }
        var configuration = KubeProxyConfiguration()
        var source = "kube-proxy defaults"
        if let configPath {
            do {
                configuration = try ManifestLoader.loadConfiguration(path: configPath)
                source = configPath
            } catch {
                errors += error.errors
            }
        } else if manifests.configurations.count > 1 {
            for extra in manifests.configurations.dropFirst() {
                errors.append(.invalidField(
                    file: extra.file,
                    object: ObjectDescription(kind: "KubeProxyConfiguration", namespace: nil, name: nil,
                                              document: 1, line: 1, isNamed: false),
                    FieldError(.duplicate, .root, value: nil,
                               "another KubeProxyConfiguration is in \(manifests.configurations[0].file); give one with --config")))
            }
        } else if let found = manifests.configurations.first {
            configuration = found.configuration
            source = found.file
        }
        guard errors.isEmpty else { throw ManifestErrors(errors, warnings: warnings) }
        let nodeName = hostnameOverride ?? configuration.hostnameOverride ?? fallbackNodeName
        let catalog = ServiceCatalog(services: manifests.services, endpointSlices: manifests.endpointSlices,
                                     endpoints: manifests.endpoints, localNodeName: nodeName)
        return LoadedInput(manifests: manifests, configuration: configuration, configurationSource: source,
                                catalog: catalog, node: nodeName.flatMap(manifests.node(named:)), nodeName: nodeName)
    }
}
