extension Node {
    static func decode(_ root: YAMLNode, _ reader: inout FieldReader) -> Node {
        var node = Node(metadata: reader.metadata(root, namespaced: false))
        let specPath = FieldPath("spec")
        if let spec = reader.object(root, "spec", .root) {
            let single = reader.string(spec, "podCIDR", specPath)
            var texts = reader.strings(spec, "podCIDRs", specPath)
            if let single, !single.isEmpty {
                if texts.isEmpty {
                    texts = [single]
                } else if texts[0] != single {
                    reader.record(.invalid(specPath.child("podCIDRs").index(0), texts[0],
                                           "must match `podCIDR` (\(quoted(single)))"))
                }
            }
            for (index, text) in texts.enumerated() {
                if let prefix = reader.ipPrefix(text, specPath.child("podCIDRs").index(index)) {
                    node.podCIDRs.append(prefix)
                }
            }
            for (index, item) in reader.list(spec, "taints", specPath).enumerated() {
                let path = specPath.child("taints").index(index)
                guard let entry = reader.object(item, path) else { continue }
                let key = reader.string(entry, "key", path) ?? ""
                if key.isEmpty { reader.record(.required(path.child("key"))) }
                let effect = reader.string(entry, "effect", path) ?? ""
                if effect.isEmpty { reader.record(.required(path.child("effect"))) }
                node.taints.append(Taint(key: key, value: reader.string(entry, "value", path), effect: effect))
            }
        }
        let addressesPath = FieldPath("status", "addresses")
        if let status = reader.object(root, "status", .root) {
            for (index, item) in reader.list(status, "addresses", FieldPath("status")).enumerated() {
                let path = addressesPath.index(index)
                guard let entry = reader.object(item, path) else { continue }
                let type = reader.enumeration(entry, "type", path, as: AddressType.self)
                let address = reader.string(entry, "address", path) ?? ""
                if address.isEmpty { reader.record(.required(path.child("address"))) }
                guard let type else { continue }
                if type == .internalIP || type == .externalIP, !address.isEmpty {
                    _ = reader.ipAddress(address, path.child("address"))
                }
                node.addresses.append(Address(type: type, address: address))
            }
        }
        return node
    }

    /// Checks the Node's name and pod CIDRs against Kubernetes' rules.
    public func validate() -> [FieldError] {
        var errors = Service.validateMetadata(metadata, nameRule: NameRules.dns1123Subdomain)
        let path = FieldPath("spec", "podCIDRs")
        if podCIDRs.count > 2 {
            errors.append(.tooMany(path, count: podCIDRs.count, limit: 2))
        } else if podCIDRs.count == 2, podCIDRs[0].family == podCIDRs[1].family {
            errors.append(.invalid(path.index(1), podCIDRs[1].description,
                                   "may specify no more than one CIDR for each IP family"))
        }
        return errors
    }
}
