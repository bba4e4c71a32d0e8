/// One page of a List response from the API server (`GET /api/v1/services`), its objects
/// decoded and validated with the same decoders as manifest files.
///
/// Items of a List carry no `kind` or `apiVersion` of their own; they are read as `kind`.
/// An item that fails validation is left out and reported in ``rejected``; the rest are
/// kept.
public struct APIList: Sendable {
    /// The collection's version: a watch starts from it.
    public var resourceVersion: String
    /// Set when the server split the list into pages: the next page is asked for with it.
    public var continueToken: String?
    public var objects: [KubernetesObject]
    /// Items left out, with every problem found in them.
    public var rejected: [ManifestError]

    /// Decodes a List body whose items are of `kind`; `source` names it in messages (the
    /// request path). A body that is not a List (or not JSON) throws.
    public static func decode(_ body: [UInt8], kind: String, source: String) throws(ManifestErrors) -> APIList {
        let root: YAMLNode
        do {
            root = try JSONReader.parse(body)
        } catch {
            throw ManifestErrors([.malformed(file: source, line: error.line, column: error.column, problem: error.problem)])
        }
        let listObject = ObjectDescription(kind: kind + "List", namespace: nil, name: nil, document: 1, line: 1, isNamed: false)
        guard let metadata = root["metadata"], let items = root["items"], root["kind"]?.scalar?.text != "Status" else {
            let status = root["kind"]?.scalar?.text == "Status" ? " (\(APIStatus.decode(root)))" : ""
            throw ManifestErrors([.invalidField(file: source, object: listObject,
                                                .required(FieldPath("items"), "the response is not a List\(status)"))])
        }
        var reader = FieldReader()
        var list = APIList(resourceVersion: reader.string(metadata, "resourceVersion", FieldPath("metadata")) ?? "",
                           continueToken: reader.string(metadata, "continue", FieldPath("metadata")).flatMap { $0.isEmpty ? nil : $0 },
                           objects: [], rejected: [])
        let itemNodes = items.isNull ? [] : reader.list(root, "items", .root)
        guard reader.errors.isEmpty else {
            throw ManifestErrors(reader.errors.map { .invalidField(file: source, object: listObject, $0) })
        }
        list.objects.reserveCapacity(itemNodes.count)
        for item in itemNodes {
            switch APIObjectDecoder.decode(item, kind: kind, source: source) {
            case .success(let object): list.objects.append(object)
            case .failure(let rejected): list.rejected += rejected.errors
            }
        }
        return list
    }
}
