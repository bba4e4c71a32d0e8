/// Who serves the metrics, in ingress-nginx's controller labels (`controller_class`,
/// `controller_namespace`, `controller_pod`), which its dashboards select by.
public struct IngressController: Sendable, Hashable {
    /// The IngressClass served.
    public var className: String
    /// The Pod's namespace and name, where it runs in one (the downward API's
    /// `POD_NAMESPACE` and `POD_NAME`, as ingress-nginx reads them).
    public var namespace: String
    public var pod: String

    public init(className: String = "", namespace: String = "", pod: String = "") {
        self.className = className
        self.namespace = namespace
        self.pod = pod
    }

    var labels: [(String, String)] {
        [("controller_class", className), ("controller_namespace", namespace), ("controller_pod", pod)]
    }
}
