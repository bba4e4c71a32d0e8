import Logging
import ServiceModel

/// Follows the API server for an Ingress proxy: Ingresses, IngressClasses, Services,
/// EndpointSlices and TLS Secrets, each through its own ``Reflector``, mirrored whole.
/// The input is handed on as ``Manifests`` (what `-f` files give) once every collection
/// has been listed, then again after each change; changes that come while the last input
/// is still being taken up are handed on together.
public struct IngressInputSource: Sendable {
    public let client: APIClient
    public var logger: Logger

    public init(client: APIClient, logger: Logger) {
        self.client = client
        self.logger = logger
    }

    /// The collections followed.
    public static let resources: [APIResource] = [.ingresses, .ingressClasses, .allServices, .allEndpointSlices, .tlsSecrets]

    /// Runs until cancelled, or until a reflector fails for good.
    public func run(deliver: @escaping @Sendable (Manifests) async -> Void) async throws {
        let mirror = ObjectMirror(collections: Self.resources.count)
        let (changed, signal) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
        logger.info("following \(client.connection.server) (\(client.connection.source)) for Ingresses")
        try await withThrowingTaskGroup(of: Void.self) { group in
            for (index, resource) in Self.resources.enumerated() {
                let reflector = Reflector(client: client, resource: resource, logger: logger)
                group.addTask {
                    try await reflector.run { update in
                        if mirror.apply(update.changes, from: index) { signal.yield() }
                    }
                }
            }
            group.addTask {
                for await _ in changed { await deliver(mirror.manifests) }
            }
            try await group.next()
            group.cancelAll()
        }
    }
}
