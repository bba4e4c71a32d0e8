import Foundation

/// An object the loopback API server holds, in the API's JSON shape (the Kubernetes OpenAPI
/// schema's field names and nesting), with what its selectors look at.
public struct ServedObject: Sendable {
    public var kind: String
    public var apiVersion: String
    public var namespace: String?
    public var name: String
    public var labels: [String: String]
    /// The JSON fields field selectors can name (`spec.clusterIP`, `metadata.name`).
    public var fields: [String: String]
    /// The object's body without `kind`, `apiVersion` and `metadata` (`spec`, `status`, …).
    public var body: [String: JSONValue]
    public var annotations: [String: String] = [:]
    public var uid = UUID().uuidString.lowercased()

    var key: String { (namespace.map { $0 + "/" } ?? "") + name }

    /// The object as JSON at `resourceVersion`; `withType` adds `kind` and `apiVersion`
    /// (watch events carry them, List items do not).
    func json(resourceVersion: Int, withType: Bool) -> JSONValue {
        var metadata: [String: JSONValue] = [
            "name": .string(name), "uid": .string(uid),
            "resourceVersion": .string(String(resourceVersion)), "creationTimestamp": .string("2026-12-04T10:00:00Z"),
        ]
        if let namespace { metadata["namespace"] = .string(namespace) }
        if !labels.isEmpty { metadata["labels"] = .object(labels.mapValues(JSONValue.string)) }
        if !annotations.isEmpty { metadata["annotations"] = .object(annotations.mapValues(JSONValue.string)) }
        var object = body
        object["metadata"] = .object(metadata)
        if withType {
            object["kind"] = .string(kind)
            object["apiVersion"] = .string(apiVersion)
        }
        return .object(object)
    }

    /// A ClusterIP Service with one port of `protocol` per entry of `ports` (name: port).
    public static func service(_ name: String, namespace: String = "default", clusterIP: String,
                               ports: [(String, Int)] = [("", 80)], protocol: String = "TCP",
                               labels: [String: String] = [:]) -> ServedObject {
        let portList: [JSONValue] = ports.map { port in
            var entry: [String: JSONValue] = ["protocol": .string(`protocol`), "port": .number(Double(port.1)), "targetPort": .number(Double(port.1))]
            if !port.0.isEmpty { entry["name"] = .string(port.0) }
            return .object(entry)
        }
        return ServedObject(kind: "Service", apiVersion: "v1", namespace: namespace, name: name, labels: labels,
                          fields: ["metadata.name": name, "metadata.namespace": namespace, "spec.clusterIP": clusterIP],
                          body: ["spec": .object([
                              "ports": .array(portList), "clusterIP": .string(clusterIP), "clusterIPs": .array([.string(clusterIP)]),
                              "type": .string("ClusterIP"), "sessionAffinity": .string("None"),
                              "ipFamilies": .array([.string(clusterIP.contains(":") ? "IPv6" : "IPv4")]),
                              "ipFamilyPolicy": .string("SingleStack"), "internalTrafficPolicy": .string("Cluster"),
                          ]), "status": .object(["loadBalancer": .object([:])])])
    }

    /// A LoadBalancer Service with externalTrafficPolicy Local and a health-check node
    /// port; each port's node port is 30000 + its port.
    public static func localLoadBalancer(_ name: String, namespace: String = "default", clusterIP: String,
                                         ports: [(String, Int)] = [("", 80)], healthCheckNodePort: Int) -> ServedObject {
        var object = service(name, namespace: namespace, clusterIP: clusterIP, ports: ports)
        guard case .object(var spec)? = object.body["spec"], case .array(let list)? = spec["ports"] else { return object }
        spec["ports"] = .array(list.map { port in
            guard case .object(var entry) = port, case .number(let number)? = entry["port"] else { return port }
            entry["nodePort"] = .number(30000 + number)
            return .object(entry)
        })
        spec["type"] = .string("LoadBalancer")
        spec["externalTrafficPolicy"] = .string("Local")
        spec["healthCheckNodePort"] = .number(Double(healthCheckNodePort))
        object.body["spec"] = .object(spec)
        return object
    }

    /// An EndpointSlice of Service `service` with ready endpoints (address, node) on `port`
    /// of `protocol`.
    public static func endpointSlice(_ name: String, namespace: String = "default", service: String,
                                     endpoints: [(address: String, node: String)], port: (String, Int) = ("", 80),
                                     protocol: String = "TCP", labels: [String: String] = [:]) -> ServedObject {
        let list: [JSONValue] = endpoints.map { endpoint in
            .object(["addresses": .array([.string(endpoint.address)]),
                     "conditions": .object(["ready": .bool(true), "serving": .bool(true), "terminating": .bool(false)]),
                     "nodeName": .string(endpoint.node)])
        }
        var portEntry: [String: JSONValue] = ["protocol": .string(`protocol`), "port": .number(Double(port.1))]
        if !port.0.isEmpty { portEntry["name"] = .string(port.0) }
        var allLabels = labels
        allLabels["kubernetes.io/service-name"] = service
        allLabels["endpointslice.kubernetes.io/managed-by"] = "endpointslice-controller.k8s.io"
        return ServedObject(kind: "EndpointSlice", apiVersion: "discovery.k8s.io/v1", namespace: namespace, name: name,
                          labels: allLabels, fields: ["metadata.name": name, "metadata.namespace": namespace],
                          body: ["addressType": .string(endpoints.first?.address.contains(":") == true ? "IPv6" : "IPv4"),
                                 "endpoints": .array(list), "ports": .array([.object(portEntry)])])
    }

    /// A ServiceCIDR with its ranges, Ready as the allocator marks it.
    public static func serviceCIDR(_ name: String, cidrs: [String]) -> ServedObject {
        ServedObject(kind: "ServiceCIDR", apiVersion: "networking.k8s.io/v1", namespace: nil, name: name, labels: [:],
                     fields: ["metadata.name": name],
                     body: ["spec": .object(["cidrs": .array(cidrs.map(JSONValue.string))]),
                            "status": .object(["conditions": .array([.object([
                                "type": .string("Ready"), "status": .string("True"), "reason": .string(""),
                                "message": .string("Kubernetes Service CIDR is ready"),
                                "lastTransitionTime": .string("2026-12-04T10:00:00Z"),
                            ])])])])
    }

    /// An Ingress with one rule: `host` and `path` (Prefix) to Service `service` port `port`;
    /// with `tlsSecret`, a `tls` entry for the host.
    public static func ingress(_ name: String, namespace: String = "default", className: String? = nil, host: String,
                               path: String = "/", service: String, port: Int, tlsSecret: String? = nil) -> ServedObject {
        let backend: JSONValue = .object(["service": .object(["name": .string(service), "port": .object(["number": .number(Double(port))])])])
        let rule: JSONValue = .object(["host": .string(host), "http": .object(["paths": .array([
            .object(["path": .string(path), "pathType": .string("Prefix"), "backend": backend]),
        ])])])
        var spec: [String: JSONValue] = ["rules": .array([rule])]
        if let className { spec["ingressClassName"] = .string(className) }
        if let tlsSecret { spec["tls"] = .array([.object(["hosts": .array([.string(host)]), "secretName": .string(tlsSecret)])]) }
        return ServedObject(kind: "Ingress", apiVersion: "networking.k8s.io/v1", namespace: namespace, name: name, labels: [:],
                            fields: ["metadata.name": name, "metadata.namespace": namespace],
                            body: ["spec": .object(spec), "status": .object(["loadBalancer": .object([:])])])
    }

    /// An IngressClass for `controller`, marked the default class or not.
    public static func ingressClass(_ name: String, controller: String = "k8s.io/ingress-nginx", isDefault: Bool = false) -> ServedObject {
        var object = ServedObject(kind: "IngressClass", apiVersion: "networking.k8s.io/v1", namespace: nil, name: name,
                                  labels: [:], fields: ["metadata.name": name],
                                  body: ["spec": .object(["controller": .string(controller)])])
        if isDefault { object.annotations["ingressclass.kubernetes.io/is-default-class"] = "true" }
        return object
    }

    /// A `kubernetes.io/tls` Secret holding a PEM certificate chain and key.
    public static func tlsSecret(_ name: String, namespace: String = "default", certificatePEM: String, keyPEM: String) -> ServedObject {
        ServedObject(kind: "Secret", apiVersion: "v1", namespace: namespace, name: name, labels: [:],
                     fields: ["metadata.name": name, "metadata.namespace": namespace, "type": "kubernetes.io/tls"],
                     body: ["type": .string("kubernetes.io/tls"),
                            "data": .object(["tls.crt": .string(Data(certificatePEM.utf8).base64EncodedString()),
                                             "tls.key": .string(Data(keyPEM.utf8).base64EncodedString())])])
    }

    /// A Node with InternalIP addresses.
    public static func node(_ name: String, addresses: [String], podCIDR: String? = nil) -> ServedObject {
        var spec: [String: JSONValue] = [:]
        if let podCIDR { spec = ["podCIDR": .string(podCIDR), "podCIDRs": .array([.string(podCIDR)])] }
        return ServedObject(kind: "Node", apiVersion: "v1", namespace: nil, name: name,
                          labels: ["kubernetes.io/hostname": name], fields: ["metadata.name": name],
                          body: ["spec": .object(spec), "status": .object([
                              "addresses": .array(addresses.map { .object(["type": .string("InternalIP"), "address": .string($0)]) }
                                                  + [.object(["type": .string("Hostname"), "address": .string(name)])]),
                          ])])
    }
}

/// A JSON value, written with sorted keys so responses are byte-for-byte repeatable.
public indirect enum JSONValue: Sendable, Equatable {
    case string(String)
    case number(Double)
    case bool(Bool)
    case null
    case array([JSONValue])
    case object([String: JSONValue])

    public var text: String {
        switch self {
        case .string(let value):
            var out = "\""
            for scalar in value.unicodeScalars {
                switch scalar {
                case "\"": out += "\\\""
                case "\\": out += "\\\\"
                case "\n": out += "\\n"
                default: if scalar.value < 0x20 { out += String(format: "\\u%04x", scalar.value) } else { out.unicodeScalars.append(scalar) }
                }
            }
            return out + "\""
        case .number(let value): return value == value.rounded() && abs(value) < 1e15 ? String(Int(value)) : String(value)
        case .bool(let value): return value ? "true" : "false"
        case .null: return "null"
        case .array(let items): return "[" + items.map(\.text).joined(separator: ",") + "]"
        case .object(let members): return "{" + members.keys.sorted().map { JSONValue.string($0).text + ":" + members[$0]!.text }.joined(separator: ",") + "}"
        }
    }
}
