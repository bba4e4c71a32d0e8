import ServiceModel

/// What the proxy routes by at one moment: the Ingresses of its class matched with
/// Kubernetes' precedence rules (``IngressRouter``), each backend resolved to its Service
/// port's endpoints. A table never changes; a new one replaces it whole, so a request
/// decided on one table is not affected by the next.
public struct IngressRouteTable: Sendable {
    /// The class served: the one asked for, else the one marked default, else every Ingress.
    public let className: String?
    public let router: IngressRouter
    /// Every backend the class's Ingresses name, resolved (`nil`: why not).
    private let upstreams: [BackendKey: Result<IngressUpstream, UnresolvedBackend>]
    /// The certificates of the class's Ingresses' `tls` entries, by host.
    public let certificates: TLSCertificateSet
    /// What keeps the table from being put in force: Secrets whose certificate or key do
    /// not read.
    public let problems: [IngressProblem]
    /// What is served around: a `tls` entry naming a Secret that is not there (its hosts
    /// get the default certificate, as ingress-nginx serves them).
    public let warnings: [String]

    /// A backend as an Ingress names it: in the Ingress's namespace.
    struct BackendKey: Hashable, Sendable {
        var namespace: String
        var backend: IngressBackend
    }

    /// Why a backend has no upstream.
    struct UnresolvedBackend: Error, Hashable, Sendable {
        var reason: String
    }

    /// The table for `manifests`' Ingresses of `className` (`nil`: the class marked
    /// default among the IngressClasses, else every Ingress), with `defaultCertificate`
    /// (a TLS Secret) for names no `tls` entry covers.
    public init(_ manifests: Manifests, className: String? = nil, defaultCertificate: NamespacedName? = nil) {
        let chosen = className ?? manifests.ingressClasses.first(where: \.isDefault)?.metadata.name
        self.className = chosen
        router = IngressRouter(ingresses: manifests.ingresses, className: chosen, classes: manifests.ingressClasses)
        let members = IngressRouter.members(of: manifests.ingresses, className: chosen, classes: manifests.ingressClasses)
        var wanted = Set<BackendKey>()
        for ingress in members {
            let backends = (ingress.defaultBackend.map { [$0] } ?? []) + ingress.rules.flatMap { $0.paths.map(\.backend) }
            for backend in backends { wanted.insert(BackendKey(namespace: ingress.metadata.namespace, backend: backend)) }
        }
        let resolver = BackendResolver(manifests)
        var upstreams: [BackendKey: Result<IngressUpstream, UnresolvedBackend>] = [:]
        for key in wanted { upstreams[key] = resolver.resolve(key) }
        self.upstreams = upstreams
        (certificates, problems, warnings) = Self.certificates(of: members, manifests.secrets, defaultCertificate: defaultCertificate)
    }

    /// Reads the certificate of every `tls` entry of `members` (oldest first) and of the
    /// default certificate's Secret.
    private static func certificates(of members: [Ingress], _ secrets: [Secret], defaultCertificate: NamespacedName?)
        -> (TLSCertificateSet, [IngressProblem], [String]) {
        var byName: [NamespacedName: Secret] = [:]
        for secret in secrets { byName[secret.namespacedName] = secret }
        var set = TLSCertificateSet()
        var problems: [IngressProblem] = []
        var warnings: [String] = []
        var read: [NamespacedName: TLSCertificate] = [:]
        func certificate(_ name: NamespacedName, for user: String) -> TLSCertificate? {
            if let done = read[name] { return done }
            guard let secret = byName[name], let certificatePEM = secret.tlsCertificate, let keyPEM = secret.tlsKey else {
                warnings.append("\(user): Secret \(name) with tls.crt and tls.key not found; the default certificate is served")
                return nil
            }
            do throws(IngressProblem) {
                let loaded = try TLSCertificate(certificatePEM: certificatePEM, keyPEM: keyPEM, source: "Secret \(name)")
                read[name] = loaded
                return loaded
            } catch {
                problems.append(error)
                return nil
            }
        }
        if let defaultCertificate { set.fallback = certificate(defaultCertificate, for: "the default certificate") }
        for ingress in members {
            for (index, entry) in ingress.tls.enumerated() {
                guard let secretName = entry.secretName else { continue }
                let user = "Ingress \(ingress.metadata.namespace)/\(ingress.metadata.name): spec.tls[\(index)]"
                guard let loaded = certificate(NamespacedName(namespace: ingress.metadata.namespace, name: secretName), for: user)
                else { continue }
                for host in entry.hosts { set.add(loaded, for: host) }
            }
        }
        return (set, problems, warnings)
    }

    /// Where a request for `host` and `path` goes.
    public func decide(host: String, path: String) -> RouteDecision {
        guard let route = router.route(host: host, path: path) else { return .noRoute }
        let key = BackendKey(namespace: route.ingress.namespace, backend: route.backend)
        switch upstreams[key] {
        case .success(let upstream)?:
            guard !upstream.endpoints.isEmpty else { return .unavailable(route, reason: "no endpoints for \(upstream)") }
            return .forward(route, upstream)
        case .failure(let unresolved)?:
            return .unavailable(route, reason: unresolved.reason)
        case nil:
            return .unavailable(route, reason: "backend \(route.backend) not resolved")
        }
    }

    /// Every upstream the table can send to, sorted by name.
    public var allUpstreams: [IngressUpstream] {
        upstreams.values.compactMap { try? $0.get() }.sorted { $0.description < $1.description }
    }
}

/// Resolves an Ingress backend to a Service port and its endpoints, the way ingress-nginx
/// does: the port by number or by name among the Service's ports, the endpoints of the
/// Service's EndpointSlices for that port (legacy Endpoints where a Service has no slice);
/// headless Services serve too, ExternalName ones are not followed.
struct BackendResolver {
    private let services: [NamespacedName: Service]
    private let slices: [NamespacedName: [EndpointSlice]]

    init(_ manifests: Manifests) {
        var services: [NamespacedName: Service] = [:]
        for service in manifests.services { services[service.namespacedName] = service }
        var slices: [NamespacedName: [EndpointSlice]] = [:]
        for slice in manifests.endpointSlices {
            guard let service = slice.serviceName else { continue }
            slices[service, default: []].append(slice)
        }
        for legacy in manifests.endpoints where slices[legacy.serviceName] == nil {
            let mirrored = legacy.mirroredSlices()
            if !mirrored.isEmpty { slices[legacy.serviceName] = mirrored }
        }
        self.services = services
        self.slices = slices
    }

    func resolve(_ key: IngressRouteTable.BackendKey) -> Result<IngressUpstream, IngressRouteTable.UnresolvedBackend> {
        guard case .service(let name, let port) = key.backend else {
            return .failure(.init(reason: "\(key.backend): only Service backends are proxied"))
        }
        let serviceName = NamespacedName(namespace: key.namespace, name: name)
        guard let service = services[serviceName] else {
            return .failure(.init(reason: "Service \(serviceName) not found"))
        }
        guard service.type != .externalName else {
            return .failure(.init(reason: "Service \(serviceName) is of type ExternalName, which is not proxied"))
        }
        let matching = service.ports.first { servicePort in
            guard servicePort.protocol == .tcp else { return false }
            switch port {
            case .number(let number): return servicePort.port == number
            case .name(let portName): return servicePort.name == portName
            }
        }
        guard let servicePort = matching else {
            return .failure(.init(reason: "Service \(serviceName) has no TCP port \(port)"))
        }
        let joined = ServiceCatalog.servicePorts(of: service, slices: slices[serviceName] ?? [], localNodeName: nil)
        let endpoints = joined.first { $0.port == servicePort }?.endpoints ?? []
        let ready = endpoints.filter(\.isReady)
        let chosen = ready.isEmpty ? endpoints.filter { $0.isServing && $0.isTerminating } : ready
        let addresses = Set(chosen.map { UpstreamAddress(address: $0.address, port: $0.port) }).sorted()
        return .success(IngressUpstream(service: serviceName, port: port, endpoints: addresses))
    }
}
