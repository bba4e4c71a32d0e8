/// One decoded, valid object of a kind this library reads.
public enum KubernetesObject: Hashable, Sendable {
    case service(Service)
    case endpointSlice(EndpointSlice)
    case endpoints(Endpoints)
    case node(Node)
    case ingress(Ingress)
    case ingressClass(IngressClass)
    case serviceCIDR(ServiceCIDR)
    case secret(Secret)

    /// The object's metadata.
    public var metadata: ObjectMeta {
        switch self {
        case .service(let service): return service.metadata
        case .endpointSlice(let slice): return slice.metadata
        case .endpoints(let endpoints): return endpoints.metadata
        case .node(let node): return node.metadata
        case .ingress(let ingress): return ingress.metadata
        case .ingressClass(let ingressClass): return ingressClass.metadata
        case .serviceCIDR(let serviceCIDR): return serviceCIDR.metadata
        case .secret(let secret): return secret.metadata
        }
    }
}
