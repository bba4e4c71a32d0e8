/// Reads typed fields out of ``YAMLNode`` mappings the way Kubernetes decodes YAML into its
/// Go structs, collecting a ``FieldError`` for every value of the wrong type instead of
/// stopping at the first.
///
/// Paths are passed as the parent's path plus a key and only joined when an error is
/// recorded, so reading a valid object allocates no paths for its leaves.
struct FieldReader {
    private(set) var errors: [FieldError] = []

    mutating func record(_ error: FieldError) {
        errors.append(error)
    }

    private mutating func typeError(_ node: YAMLNode, _ path: FieldPath, _ expected: String) {
        let value: String
        switch node.content {
        case .scalar(let scalar): value = scalar.rendered
        case .mapping: value = "{...}"
        case .sequence: value = "[...]"
        }
        errors.append(FieldError(.invalid, path, value: value, "must be of type \(expected)"))
    }

    /// A present, non-null value.
    private func value(_ parent: YAMLNode, _ key: String) -> YAMLNode? {
        guard let node = parent[key], !node.isNull else { return nil }
        return node
    }

    /// A string field: any scalar's text (Kubernetes keeps `80` or `true` as text for a
    /// string field).
    mutating func string(_ parent: YAMLNode, _ key: String, _ path: FieldPath) -> String? {
        guard let node = value(parent, key) else { return nil }
        guard let scalar = node.scalar else {
            typeError(node, path.child(key), "string")
            return nil
        }
        return scalar.text
    }

    /// An integer field: a plain (unquoted) integer.
    mutating func int(_ parent: YAMLNode, _ key: String, _ path: FieldPath) -> Int? {
        guard let node = value(parent, key) else { return nil }
        return int(node, path.child(key))
    }

    mutating func int(_ node: YAMLNode, _ path: @autoclosure () -> FieldPath) -> Int? {
        if let scalar = node.scalar {
            switch scalar.resolved {
            case .int(let value): return value
            case .float(let value) where value == value.rounded() && abs(value) < 1e15: return Int(value)
            default: break
            }
        }
        typeError(node, path(), "integer")
        return nil
    }

    /// A boolean field: `true`/`false` (and YAML 1.1's `yes`/`no`/`on`/`off`).
    mutating func bool(_ parent: YAMLNode, _ key: String, _ path: FieldPath) -> Bool? {
        guard let node = value(parent, key) else { return nil }
        if let scalar = node.scalar, case .bool(let value) = scalar.resolved { return value }
        typeError(node, path.child(key), "boolean")
        return nil
    }

    /// An object field; `nil` when absent, null or of the wrong type.
    mutating func object(_ parent: YAMLNode, _ key: String, _ path: FieldPath) -> YAMLNode? {
        guard let node = value(parent, key) else { return nil }
        return object(node, path.child(key))
    }

    mutating func object(_ node: YAMLNode, _ path: @autoclosure () -> FieldPath) -> YAMLNode? {
        guard case .mapping = node.content else {
            typeError(node, path(), "object")
            return nil
        }
        return node
    }

    /// A list field's items; empty when absent, null or of the wrong type.
    mutating func list(_ parent: YAMLNode, _ key: String, _ path: FieldPath) -> [YAMLNode] {
        guard let node = value(parent, key) else { return [] }
        guard let items = node.sequenceItems else {
            typeError(node, path.child(key), "array")
            return []
        }
        return items
    }

    /// A list of strings; wrong-typed items are reported and left out.
    mutating func strings(_ parent: YAMLNode, _ key: String, _ path: FieldPath) -> [String] {
        let items = list(parent, key, path)
        guard !items.isEmpty else { return [] }
        var result: [String] = []
        result.reserveCapacity(items.count)
        for (index, item) in items.enumerated() {
            if let scalar = item.scalar, !item.isNull {
                result.append(scalar.text)
            } else {
                typeError(item, path.child(key).index(index), "string")
            }
        }
        return result
    }

    /// A map of strings to strings (labels, annotations, selectors).
    mutating func stringMap(_ parent: YAMLNode, _ key: String, _ path: FieldPath) -> [String: String]? {
        guard let node = value(parent, key) else { return nil }
        guard let entries = node.mappingEntries else {
            typeError(node, path.child(key), "object")
            return nil
        }
        var result: [String: String] = [:]
        result.reserveCapacity(entries.count)
        for entry in entries {
            if let scalar = entry.value.scalar {
                result[entry.key] = entry.value.isNull ? "" : scalar.text
            } else {
                typeError(entry.value, path.child(key).key(entry.key), "string")
            }
        }
        return result
    }

    /// An enumeration field: reports values outside `T`'s cases as "Unsupported value".
    mutating func enumeration<T: RawRepresentable & CaseIterable>(
        _ parent: YAMLNode, _ key: String, _ path: FieldPath, as type: T.Type = T.self
    ) -> T? where T.RawValue == String {
        guard let text = string(parent, key, path) else { return nil }
        if let value = T(rawValue: text) { return value }
        errors.append(.unsupported(path.child(key), text, supported: T.allCases.map(\.rawValue)))
        return nil
    }

    /// An IP address field; reports text that is not an IP address.
    mutating func ipAddress(_ text: String, _ path: @autoclosure () -> FieldPath) -> IPAddress? {
        if let address = IPAddress(text) { return address }
        errors.append(.invalid(path(), text, Self.ipMessage))
        return nil
    }

    /// A CIDR field; reports text that is not a CIDR.
    mutating func ipPrefix(_ text: String, _ path: @autoclosure () -> FieldPath) -> IPPrefix? {
        if let prefix = IPPrefix(text) { return prefix }
        errors.append(.invalid(path(), text, Self.cidrMessage))
        return nil
    }

    static let ipMessage = "must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)"
    static let cidrMessage = "must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)"

    /// Reads `metadata`: name, namespace (defaulted for namespaced kinds), labels, annotations.
    mutating func metadata(_ root: YAMLNode, namespaced: Bool) -> ObjectMeta {
        let path = FieldPath("metadata")
        guard let node = object(root, "metadata", .root) else {
            errors.append(.required(path.child("name"), "name or generateName is required"))
            return ObjectMeta(name: "", namespace: namespaced ? "default" : "")
        }
        let name = string(node, "name", path) ?? ""
        var namespace = string(node, "namespace", path) ?? ""
        if namespaced, namespace.isEmpty { namespace = "default" }
        if name.isEmpty {
            errors.append(.required(path.child("name"), "name or generateName is required"))
        }
        return ObjectMeta(name: name, namespace: namespaced ? namespace : "",
                          labels: stringMap(node, "labels", path) ?? [:],
                          annotations: stringMap(node, "annotations", path) ?? [:],
                          creationTimestamp: string(node, "creationTimestamp", path),
                          deletionTimestamp: string(node, "deletionTimestamp", path),
                          resourceVersion: string(node, "resourceVersion", path))
    }
}
