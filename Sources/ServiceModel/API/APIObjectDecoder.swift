/// Decodes one object the API server sent, through the decoders and validators manifest
/// files go through.
enum APIObjectDecoder {
    /// The object, or every problem found in it. `kind` is the kind asked for; an object
    /// that names another kind is refused.
    static func decode(_ root: YAMLNode, kind: String, source: String) -> Result<KubernetesObject, ManifestErrors> {
        let metadata = root["metadata"]
        let namespaced = ManifestLoader.namespacedKinds.contains(kind)
        let object = ObjectDescription(kind: kind, namespace: namespaced ? metadata?["namespace"]?.scalar?.text ?? "default" : nil,
                                       name: metadata?["name"]?.scalar?.text, document: 1, line: root.line)
        if let written = root["kind"]?.scalar?.text, written != kind {
            return .failure(ManifestErrors([.invalidField(file: source, object: object,
                                                          .unsupported(FieldPath("kind"), written, supported: [kind]))]))
        }
        var reader = FieldReader()
        let (decoded, problems) = ManifestLoader.decodeObject(root, kind: kind, &reader)
        guard let decoded, problems.isEmpty else {
            return .failure(ManifestErrors(problems.map { .invalidField(file: source, object: object, $0) }))
        }
        return .success(decoded)
    }
}
