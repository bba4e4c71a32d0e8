/// A collection a proxy lists and watches, with kube-proxy's selectors.
public struct APIResource: Hashable, Sendable, CustomStringConvertible {
    /// The kind of its objects (`Service`).
    public var kind: String
    /// The collection's path (`/api/v1/services`).
    public var path: String
    public var labelSelector: String?
    public var fieldSelector: String?
    /// Whether a cluster may not serve the collection at all (an API added in a later
    /// Kubernetes release): a 404 then means "none", not a failure.
    public var mayBeUnserved: Bool

    public init(kind: String, path: String, labelSelector: String? = nil, fieldSelector: String? = nil,
                mayBeUnserved: Bool = false) {
        self.kind = kind
        self.path = path
        self.labelSelector = labelSelector
        self.fieldSelector = fieldSelector
        self.mayBeUnserved = mayBeUnserved
    }

    /// Services that kube-proxy proxies: not handed to another proxy, not headless.
    public static let services = APIResource(kind: "Service", path: "/api/v1/services",
                                             labelSelector: "!service.kubernetes.io/service-proxy-name",
                                             fieldSelector: "spec.clusterIP!=None")
    /// EndpointSlices, but those of headless Services.
    public static let endpointSlices = APIResource(kind: "EndpointSlice", path: "/apis/discovery.k8s.io/v1/endpointslices",
                                                   labelSelector: "!service.kubernetes.io/headless")

    /// The ranges cluster IPs come from (`networking.k8s.io/v1`, Kubernetes 1.33 on);
    /// nftables mode drops traffic to the unallocated addresses in them. Older clusters
    /// do not serve it.
    public static let serviceCIDRs = APIResource(kind: "ServiceCIDR", path: "/apis/networking.k8s.io/v1/servicecidrs",
                                                 mayBeUnserved: true)

    /// What an Ingress proxy serves by: every Ingress, IngressClass, Service and
    /// EndpointSlice (headless Services and those another proxy takes are Ingress backends
    /// too), and the TLS Secrets only (a field selector on `type`, as controllers narrow it).
    public static let ingresses = APIResource(kind: "Ingress", path: "/apis/networking.k8s.io/v1/ingresses")
    public static let ingressClasses = APIResource(kind: "IngressClass", path: "/apis/networking.k8s.io/v1/ingressclasses")
    public static let allServices = APIResource(kind: "Service", path: "/api/v1/services")
    public static let allEndpointSlices = APIResource(kind: "EndpointSlice", path: "/apis/discovery.k8s.io/v1/endpointslices")
    public static let tlsSecrets = APIResource(kind: "Secret", path: "/api/v1/secrets", fieldSelector: "type=kubernetes.io/tls")

    /// The one Node the proxy runs on.
    public static func node(_ name: String) -> APIResource {
        APIResource(kind: "Node", path: "/api/v1/nodes", fieldSelector: "metadata.name=\(name)")
    }

    /// The selectors as query parameters.
    var selectorQuery: [(String, String)] {
        (labelSelector.map { [("labelSelector", $0)] } ?? []) + (fieldSelector.map { [("fieldSelector", $0)] } ?? [])
    }

    public var description: String { path }
}
