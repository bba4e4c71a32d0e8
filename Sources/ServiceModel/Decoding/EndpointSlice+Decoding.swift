extension EndpointSlice {
    /// Decodes a discovery.k8s.io/v1 EndpointSlice, recording type errors in `reader`.
    /// Defaults as the API server applies them: port name "", protocol TCP.
    static func decode(_ root: YAMLNode, _ reader: inout FieldReader) -> EndpointSlice {
        let metadata = reader.metadata(root, namespaced: true)
        let addressType = reader.enumeration(root, "addressType", .root, as: AddressType.self)
        if addressType == nil, root["addressType"] == nil || root["addressType"]!.isNull {
            reader.record(.required(FieldPath("addressType")))
        }
        var slice = EndpointSlice(metadata: metadata, addressType: addressType ?? .ipv4)
        let endpointsPath = FieldPath("endpoints")
        let items = reader.list(root, "endpoints", .root)
        slice.endpoints.reserveCapacity(items.count)
        for (index, item) in items.enumerated() {
            guard let node = reader.object(item, endpointsPath.index(index)) else { continue }
            slice.endpoints.append(Endpoint.decode(node, endpointsPath.index(index), &reader))
        }
        let portsPath = FieldPath("ports")
        for (index, item) in reader.list(root, "ports", .root).enumerated() {
            let path = portsPath.index(index)
            guard let node = reader.object(item, path) else { continue }
            slice.ports.append(EndpointPort(
                name: reader.string(node, "name", path) ?? "",
                protocol: reader.enumeration(node, "protocol", path) ?? .tcp,
                port: reader.int(node, "port", path),
                appProtocol: reader.string(node, "appProtocol", path)))
        }
        return slice
    }
}

extension Endpoint {
    static func decode(_ node: YAMLNode, _ path: FieldPath, _ reader: inout FieldReader) -> Endpoint {
        var endpoint = Endpoint(addresses: reader.strings(node, "addresses", path))
        if let conditions = reader.object(node, "conditions", path) {
            let conditionsPath = path.child("conditions")
            endpoint.conditions = EndpointConditions(
                ready: reader.bool(conditions, "ready", conditionsPath),
                serving: reader.bool(conditions, "serving", conditionsPath),
                terminating: reader.bool(conditions, "terminating", conditionsPath))
        }
        endpoint.nodeName = reader.string(node, "nodeName", path)
        endpoint.zone = reader.string(node, "zone", path)
        endpoint.hostname = reader.string(node, "hostname", path)
        if let hints = reader.object(node, "hints", path) {
            let hintsPath = path.child("hints")
            endpoint.hints = EndpointHints(
                forZones: Self.names(in: hints, "forZones", hintsPath, &reader),
                forNodes: Self.names(in: hints, "forNodes", hintsPath, &reader))
        }
        return endpoint
    }

    /// `forZones` / `forNodes`: lists of `{name: …}` objects.
    private static func names(in hints: YAMLNode, _ key: String, _ path: FieldPath, _ reader: inout FieldReader) -> [String] {
        var names: [String] = []
        for (index, item) in reader.list(hints, key, path).enumerated() {
            let itemPath = path.child(key).index(index)
            guard let object = reader.object(item, itemPath) else { continue }
            guard let name = reader.string(object, "name", itemPath), !name.isEmpty else {
                reader.record(.required(itemPath.child("name")))
                continue
            }
            names.append(name)
        }
        return names
    }
}
