/// The fields the Kubernetes API defines for each kind this library reads (core/v1,
/// discovery.k8s.io/v1, networking.k8s.io/v1 as of Kubernetes 1.34), for telling a
/// misspelled field (`prots:`) from one we merely do not use. A field outside the tree is
/// reported in kubectl's strict field validation wording: `unknown field "spec.prots"`.
///
/// Where an object's contents are open-ended (labels, annotations, resource quantities) or
/// not read by a proxy at all (a Node's images), the tree stops with ``Shape/any``.
enum KnownFields {
    indirect enum Shape: Sendable {
        /// Any value.
        case any
        /// An object with these fields.
        case object([String: Shape])
        /// A list whose items have this shape.
        case list(Shape)
    }

    /// The unknown fields of an object of `kind`, as `spec.ports[0].prot`, in document order.
    static func unknown(in root: YAMLNode, kind: String) -> [String] {
        guard let shape = kinds[kind] else { return [] }
        var found: [String] = []
        collect(root, shape, path: "", into: &found)
        return found
    }

    private static func collect(_ node: YAMLNode, _ shape: Shape, path: String, into found: inout [String]) {
        switch (shape, node.content) {
        case (.object(let fields), .mapping(let entries)):
            for entry in entries {
                let child = path.isEmpty ? entry.key : path + "." + entry.key
                guard let fieldShape = fields[entry.key] else {
                    found.append(child)
                    continue
                }
                collect(entry.value, fieldShape, path: child, into: &found)
            }
        case (.list(let itemShape), .sequence(let items)):
            for (index, item) in items.enumerated() { collect(item, itemShape, path: "\(path)[\(index)]", into: &found) }
        default:
            // Values of the wrong type are the decoder's to report.
            break
        }
    }

    private static func object(_ names: [String], _ nested: [String: Shape] = [:]) -> Shape {
        var fields = Dictionary(uniqueKeysWithValues: names.map { ($0, Shape.any) })
        fields.merge(nested) { _, new in new }
        return .object(fields)
    }

    private static let metadata = object([
        "annotations", "creationTimestamp", "deletionGracePeriodSeconds", "deletionTimestamp", "finalizers",
        "generateName", "generation", "labels", "managedFields", "name", "namespace", "ownerReferences",
        "resourceVersion", "selfLink", "uid",
    ])

    private static func top(_ names: [String], _ nested: [String: Shape]) -> Shape {
        object(["apiVersion", "kind"] + names, nested.merging(["metadata": metadata]) { mine, _ in mine })
    }

    private static let serviceStatus = object(["conditions"], [
        "loadBalancer": object([], ["ingress": .list(object(["hostname", "ip", "ipMode", "ports"]))]),
    ])

    private static let service = top(["status"], [
        "spec": object([
            "allocateLoadBalancerNodePorts", "clusterIP", "clusterIPs", "externalIPs", "externalName",
            "externalTrafficPolicy", "healthCheckNodePort", "internalTrafficPolicy", "ipFamilies", "ipFamilyPolicy",
            "loadBalancerClass", "loadBalancerIP", "loadBalancerSourceRanges", "publishNotReadyAddresses", "selector",
            "sessionAffinity", "trafficDistribution", "type",
        ], [
            "ports": .list(object(["appProtocol", "name", "nodePort", "port", "protocol", "targetPort"])),
            "sessionAffinityConfig": object([], ["clientIP": object(["timeoutSeconds"])]),
        ]),
        "status": serviceStatus,
    ])

    private static let endpointSlice = top(["addressType"], [
        "endpoints": .list(object(["addresses", "deprecatedTopology", "hostname", "nodeName", "targetRef", "zone"], [
            "conditions": object(["ready", "serving", "terminating"]),
            "hints": object([], ["forZones": .list(object(["name"])), "forNodes": .list(object(["name"]))]),
        ])),
        "ports": .list(object(["appProtocol", "name", "port", "protocol"])),
    ])

    private static let endpointAddress = object(["hostname", "ip", "nodeName", "targetRef"])

    private static let endpoints = top([], [
        "subsets": .list(object([], [
            "addresses": .list(endpointAddress), "notReadyAddresses": .list(endpointAddress),
            "ports": .list(object(["appProtocol", "name", "port", "protocol"])),
        ])),
    ])

    private static let node = top([], [
        "spec": object(["configSource", "externalID", "podCIDR", "podCIDRs", "providerID", "taints", "unschedulable"]),
        "status": object([
            "allocatable", "capacity", "conditions", "config", "daemonEndpoints", "declaredFeatures", "features", "images",
            "nodeInfo", "phase", "runtimeHandlers", "volumesAttached", "volumesInUse",
        ], ["addresses": .list(object(["address", "type"]))]),
    ])

    private static let ingressBackend = object(["resource"], [
        "service": object(["name"], ["port": object(["name", "number"])]),
    ])

    private static let ingress = top([], [
        "spec": object(["ingressClassName"], [
            "defaultBackend": ingressBackend,
            "rules": .list(object(["host"], [
                "http": object([], ["paths": .list(object(["path", "pathType"], ["backend": ingressBackend]))]),
            ])),
            "tls": .list(object(["hosts", "secretName"])),
        ]),
        "status": serviceStatus,
    ])

    private static let ingressClass = top([], [
        "spec": object(["controller"], ["parameters": object(["apiGroup", "kind", "name", "namespace", "scope"])]),
    ])

    private static let serviceCIDR = top([], [
        "spec": object(["cidrs"]),
        "status": object([], ["conditions": .list(object(["lastTransitionTime", "message", "observedGeneration",
                                                          "reason", "status", "type"]))]),
    ])

    private static let secret = top(["data", "immutable", "stringData", "type"], [:])

    static let kinds: [String: Shape] = [
        "Service": service, "EndpointSlice": endpointSlice, "Endpoints": endpoints, "Node": node,
        "Ingress": ingress, "IngressClass": ingressClass, "ServiceCIDR": serviceCIDR,
        "Secret": secret,
    ]
}
