/// Where an Ingress sends a request, and why.
public struct IngressRoute: Hashable, Sendable {
    /// What matched.
    public enum Match: Hashable, Sendable {
        /// A rule's path: the rule's host (`nil` for a rule without one), the path and its type.
        case path(host: String?, path: String, type: IngressPath.PathType)
        /// No rule matched; the Ingress's `defaultBackend` takes the request.
        case defaultBackend
    }

    public var backend: IngressBackend
    /// The Ingress the backend comes from.
    public var ingress: NamespacedName
    public var match: Match

    public init(backend: IngressBackend, ingress: NamespacedName, match: Match) {
        self.backend = backend
        self.ingress = ingress
        self.match = match
    }
}

/// Matches requests against the Ingresses of one class, with Kubernetes' precedence rules:
///
/// - Hosts: a rule for the exact host wins over a wildcard rule (`*.example.com` covers
///   exactly one more label: `a.example.com`, not `example.com` or `a.b.example.com`), which
///   wins over rules without a host. Rules of all Ingresses of the class are merged.
/// - Paths, among the rules of the chosen host: the longest matching path wins; on equal
///   length an `Exact` path beats a `Prefix` one; on a full tie the older Ingress wins.
///   `Prefix` matches whole path elements (`/foo` matches `/foo/bar`, not `/foobar`) and a
///   trailing slash on either side is ignored; `Exact` compares the text as is.
///   `ImplementationSpecific` is matched like `Prefix`.
/// - Nothing matched: the `defaultBackend` of the oldest Ingress of the class that has one.
public struct IngressRouter: Sendable {
    private struct Candidate: Sendable {
        var ingress: NamespacedName
        var host: String?
        var path: IngressPath
        /// The path's elements (`/a/b/` → ["a", "b"]) for Prefix matching.
        var elements: [Substring]
    }

    private var exactHosts: [String: [Candidate]] = [:]
    private var wildcardHosts: [String: [Candidate]] = [:]
    private var anyHost: [Candidate] = []
    private var hasAnyHostRule = false
    private var defaultRoute: IngressRoute?

    /// A router over the Ingresses that belong to `className`: those naming it in
    /// `spec.ingressClassName` (or the legacy annotation), and those naming no class when
    /// `className` is the default class among `classes`. With `className` `nil`, every
    /// Ingress takes part.
    public init(ingresses: [Ingress], className: String?, classes: [IngressClass] = []) {
        let members = Self.members(of: ingresses, className: className, classes: classes)
        for ingress in members {
            let name = NamespacedName(namespace: ingress.metadata.namespace, name: ingress.metadata.name)
            if defaultRoute == nil, let backend = ingress.defaultBackend {
                defaultRoute = IngressRoute(backend: backend, ingress: name, match: .defaultBackend)
            }
            for rule in ingress.rules {
                let host = rule.host.map(Self.normalizedHost)
                let candidates = rule.paths.map {
                    Candidate(ingress: name, host: rule.host, path: $0,
                              elements: $0.path.split(separator: "/"))
                }
                switch host {
                case nil:
                    hasAnyHostRule = true
                    anyHost.append(contentsOf: candidates)
                case let host? where host.hasPrefix("*."):
                    wildcardHosts[String(host.dropFirst(2)), default: []].append(contentsOf: candidates)
                case let host?:
                    exactHosts[host, default: []].append(contentsOf: candidates)
                }
            }
        }
    }

    /// The Ingresses that belong to `className`, oldest first (ties by namespace and name):
    /// those naming it in `spec.ingressClassName` (or the legacy annotation), and those
    /// naming no class when `className` is the default class among `classes`; every Ingress
    /// when `className` is `nil`.
    public static func members(of ingresses: [Ingress], className: String?, classes: [IngressClass]) -> [Ingress] {
        let isDefaultClass = classes.contains { $0.metadata.name == className && $0.isDefault }
        return ingresses.filter { ingress in
            guard let className else { return true }
            if let requested = ingress.requestedClass { return requested == className }
            return isDefaultClass
        }.sorted { lhs, rhs in
            let left = (lhs.metadata.creationTimestamp ?? "", lhs.metadata.namespace, lhs.metadata.name)
            let right = (rhs.metadata.creationTimestamp ?? "", rhs.metadata.namespace, rhs.metadata.name)
            return left < right
        }
    }

    /// The backend for a request to `host` (a `Host` header value; a port is ignored) and
    /// `path` (a query string is ignored), or `nil` when nothing matches and there is no
    /// default backend.
    public func route(host: String, path: String) -> IngressRoute? {
        let host = Self.normalizedHost(host)
        let requestPath = path.firstIndex(of: "?").map { String(path[..<$0]) } ?? path
        let group: [Candidate]?
        if let exact = exactHosts[host] {
            group = exact
        } else if let dot = host.firstIndex(of: "."), let wildcard = wildcardHosts[String(host[host.index(after: dot)...])] {
            group = wildcard
        } else if hasAnyHostRule {
            group = anyHost
        } else {
            group = nil
        }
        if let group, let best = Self.bestMatch(in: group, for: requestPath) {
            return IngressRoute(backend: best.path.backend, ingress: best.ingress,
                                match: .path(host: best.host, path: best.path.path, type: best.path.pathType))
        }
        return defaultRoute
    }

    private static func bestMatch(in candidates: [Candidate], for requestPath: String) -> Candidate? {
        let requestElements = requestPath.split(separator: "/")
        var best: Candidate?
        var bestLength = -1
        var bestIsExact = false
        for candidate in candidates {
            let isExact = candidate.path.pathType == .exact
            let length: Int
            if isExact {
                guard candidate.path.path == requestPath else { continue }
                length = normalizedLength(candidate.elements)
            } else {
                guard candidate.path.path.isEmpty || candidate.path.path.hasPrefix("/"),
                      candidate.elements.count <= requestElements.count,
                      zip(candidate.elements, requestElements).allSatisfy({ $0 == $1 }) else { continue }
                length = normalizedLength(candidate.elements)
            }
            if length > bestLength || (length == bestLength && isExact && !bestIsExact) {
                best = candidate
                bestLength = length
                bestIsExact = isExact
            }
        }
        return best
    }

    /// The length of a path written without a trailing slash (`/a/b/` and `/a/b` are 4).
    private static func normalizedLength(_ elements: [Substring]) -> Int {
        elements.isEmpty ? 1 : elements.reduce(0) { $0 + 1 + $1.count }
    }

    private static func normalizedHost(_ host: String) -> String {
        // Most hosts come lowercase, without a port or a final dot: those are used as they are.
        let isNormal = host.utf8.allSatisfy { byte in
            byte != UInt8(ascii: ":") && !(UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte)
        } && host.utf8.last != UInt8(ascii: ".")
        if isNormal { return host }
        var host = host.lowercased()
        if !host.hasPrefix("["), let colon = host.lastIndex(of: ":"), host.firstIndex(of: ":") == colon {
            host = String(host[..<colon])
        }
        if host.hasSuffix(".") { host.removeLast() }
        return host
    }
}
