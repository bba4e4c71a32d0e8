extension ServiceCIDR {
    static func decode(_ root: YAMLNode, _ reader: inout FieldReader) -> ServiceCIDR {
        let metadata = reader.metadata(root, namespaced: false)
        let specPath = FieldPath("spec")
        var cidrs: [IPPrefix] = []
        if let spec = reader.object(root, "spec", .root) {
            for (index, text) in reader.strings(spec, "cidrs", specPath).enumerated() {
                if let prefix = reader.ipPrefix(text, specPath.child("cidrs").index(index)) { cidrs.append(prefix) }
            }
        }
        return ServiceCIDR(metadata: metadata, cidrs: cidrs)
    }
}
