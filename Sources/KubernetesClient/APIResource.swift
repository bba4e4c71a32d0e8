/// A collection a proxy lists and watches, with kube-proxy's selectors.
public struct APIResource: Hashable, Sendable, CustomStringConvertible {
    /// The kind of its objects (`Service`).
    public var kind: String
    /// The collection's path (`/api/v1/services`).
    public var path: String
    public var labelSelector: String?
    public var fieldSelector: String?

    public init(kind: String, path: String, labelSelector: String? = nil, fieldSelector: String? = nil) {
        self.kind = kind
        self.path = path
        self.labelSelector = labelSelector
        self.fieldSelector = fieldSelector
    }

    /// Services that kube-proxy proxies: not handed to another proxy, not headless.
    public static let services = APIResource(kind: "Service", path: "/api/v1/services",
                                             labelSelector: "!service.kubernetes.io/service-proxy-name",
                                             fieldSelector: "spec.clusterIP!=None")
    /// EndpointSlices, but those of headless Services.
    public static let endpointSlices = APIResource(kind: "EndpointSlice", path: "/apis/discovery.k8s.io/v1/endpointslices",
                                                   labelSelector: "!service.kubernetes.io/headless")

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
