/// The metadata kube-proxy reads from every object.
public struct ObjectMeta: Hashable, Sendable {
    public var name: String
    /// The namespace; empty for cluster-scoped objects (Node, IngressClass).
    public var namespace: String
    public var labels: [String: String]
    public var annotations: [String: String]
    /// RFC 3339 creation time as the API server wrote it, if present.
    public var creationTimestamp: String?
    /// RFC 3339 time at which the object is being deleted, if it is.
    public var deletionTimestamp: String?
    /// The API server's version of the object (opaque; a watch resumes from it).
    public var resourceVersion: String?

    public init(name: String, namespace: String = "", labels: [String: String] = [:],
                annotations: [String: String] = [:], creationTimestamp: String? = nil,
                deletionTimestamp: String? = nil, resourceVersion: String? = nil) {
        self.name = name
        self.namespace = namespace
        self.labels = labels
        self.annotations = annotations
        self.creationTimestamp = creationTimestamp
        self.deletionTimestamp = deletionTimestamp
        self.resourceVersion = resourceVersion
    }
}

extension ObjectMeta {
    /// The object's namespace and name (an empty namespace for cluster-scoped objects).
    public var namespacedName: NamespacedName { NamespacedName(namespace: namespace, name: name) }
}

/// A namespace and a name: the identity of a namespaced object.
public struct NamespacedName: Hashable, Sendable, Comparable, CustomStringConvertible {
    public var namespace: String
    public var name: String

    public init(namespace: String, name: String) {
        self.namespace = namespace
        self.name = name
    }

    public var description: String { "\(namespace)/\(name)" }

    public static func < (lhs: NamespacedName, rhs: NamespacedName) -> Bool {
        (lhs.namespace, lhs.name) < (rhs.namespace, rhs.name)
    }
}

/// A transport protocol a service port can carry.
public enum L4Protocol: String, Hashable, Sendable, Comparable, CaseIterable {
    case tcp = "TCP"
    case udp = "UDP"
    case sctp = "SCTP"

    /// The IP protocol number (6, 17, 132), as the kernel matches it.
    public var ipProtocolNumber: UInt8 {
        switch self {
        case .tcp: 6
        case .udp: 17
        case .sctp: 132
        }
    }

    /// The protocol rules name `lowercaseName` (`tcp`), if any.
    public init?(lowercaseName: String) {
        guard let value = L4Protocol.allCases.first(where: { $0.lowercaseName == lowercaseName }) else { return nil }
        self = value
    }

    /// The lower-case name rules spell it with (`tcp`), in iptables and nftables alike.
    public var lowercaseName: String {
        switch self {
        case .tcp: return "tcp"
        case .udp: return "udp"
        case .sctp: return "sctp"
        }
    }

    public static func < (lhs: L4Protocol, rhs: L4Protocol) -> Bool { lhs.rawValue < rhs.rawValue }
}

/// Well-known labels and annotations.
public enum WellKnownLabel {
    /// On an EndpointSlice: the Service it belongs to.
    public static let serviceName = "kubernetes.io/service-name"
    /// On a Service: the proxy that should handle it (kube-proxy handles only unlabelled ones).
    public static let serviceProxyName = "service.kubernetes.io/service-proxy-name"
    /// On a Service: present when the Service is headless.
    public static let headless = "service.kubernetes.io/headless"
    /// On a Node: its topology zone.
    public static let zone = "topology.kubernetes.io/zone"
    /// On an EndpointSlice: who manages it.
    public static let managedBy = "endpointslice.kubernetes.io/managed-by"
    /// On Endpoints: do not mirror into EndpointSlices.
    public static let skipMirror = "endpointslice.kubernetes.io/skip-mirror"
    /// On an IngressClass: the class Ingresses without a class use.
    public static let defaultIngressClass = "ingressclass.kubernetes.io/is-default-class"
    /// On an Ingress: the class, in the form used before `spec.ingressClassName`.
    public static let legacyIngressClass = "kubernetes.io/ingress.class"
}
