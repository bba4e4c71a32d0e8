extension Endpoints {
    /// Decodes a v1 Endpoints object, recording type errors in `reader`.
    static func decode(_ root: YAMLNode, _ reader: inout FieldReader) -> Endpoints {
        var endpoints = Endpoints(metadata: reader.metadata(root, namespaced: true))
        for (index, item) in reader.list(root, "subsets", .root).enumerated() {
            let path = FieldPath("subsets").index(index)
            guard let node = reader.object(item, path) else { continue }
            var subset = Subset(addresses: addresses(node, "addresses", path, &reader),
                                notReadyAddresses: addresses(node, "notReadyAddresses", path, &reader))
            for (portIndex, portItem) in reader.list(node, "ports", path).enumerated() {
                let portPath = path.child("ports").index(portIndex)
                guard let portNode = reader.object(portItem, portPath) else { continue }
                subset.ports.append(EndpointPort(
                    name: reader.string(portNode, "name", portPath) ?? "",
                    protocol: reader.enumeration(portNode, "protocol", portPath) ?? .tcp,
                    port: reader.int(portNode, "port", portPath),
                    appProtocol: reader.string(portNode, "appProtocol", portPath)))
            }
            endpoints.subsets.append(subset)
        }
        return endpoints
    }

    private static func addresses(_ subset: YAMLNode, _ key: String, _ path: FieldPath,
                                  _ reader: inout FieldReader) -> [Address] {
        var result: [Address] = []
        for (index, item) in reader.list(subset, key, path).enumerated() {
            let itemPath = path.child(key).index(index)
            guard let node = reader.object(item, itemPath) else { continue }
            result.append(Address(ip: reader.string(node, "ip", itemPath) ?? "",
                                  hostname: reader.string(node, "hostname", itemPath),
                                  nodeName: reader.string(node, "nodeName", itemPath)))
        }
        return result
    }
}

extension Endpoints {
    /// Checks the object against Kubernetes' Endpoints rules.
    public func validate() -> [FieldError] {
        var errors = Service.validateMetadata(metadata, nameRule: NameRules.dns1123Subdomain)
        for (index, subset) in subsets.enumerated() {
            let path = FieldPath("subsets").index(index)
            for (key, list) in [("addresses", subset.addresses), ("notReadyAddresses", subset.notReadyAddresses)] {
                for (addressIndex, address) in list.enumerated() {
                    let addressPath = path.child(key).index(addressIndex).child("ip")
                    if address.ip.isEmpty {
                        errors.append(.required(addressPath))
                    } else if IPAddress(address.ip) == nil {
                        errors.append(.invalid(addressPath, address.ip, FieldReader.ipMessage))
                    }
                    if let nodeName = address.nodeName {
                        for message in NameRules.dns1123Subdomain(nodeName) {
                            errors.append(.invalid(path.child(key).index(addressIndex).child("nodeName"), nodeName, message))
                        }
                    }
                }
            }
            errors += EndpointPort.validate(subset.ports, at: path.child("ports"), namesRequired: true, portRequired: true)
        }
        return errors
    }
}
