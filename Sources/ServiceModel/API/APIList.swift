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
    ///
    /// The items are parsed and decoded one at a time, on every core: a list of 10,000
    /// EndpointSlices is tens of megabytes, and its whole tree is never built.
    public static func decode(_ body: [UInt8], kind: String, source: String) throws(ManifestErrors) -> APIList {
        let (root, itemSpans): (YAMLNode, [JSONSpan]?)
        do {
            (root, itemSpans) = try JSONReader.parse(body, deferringArrayAt: "items")
        } catch {
            throw syntaxError(body, source: source, found: error)
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
        if itemSpans == nil, !items.isNull { _ = reader.list(root, "items", .root) }
        guard reader.errors.isEmpty else {
            throw ManifestErrors(reader.errors.map { .invalidField(file: source, object: listObject, $0) })
        }
        let spans = itemSpans ?? []
        let runs = concurrentRuns(count: spans.count, minimumPerRun: 256, initial: DecodedItems()) { run, index in
            guard run.syntaxError == nil else { return }
            do throws(JSONSyntaxError) {
                let item = try JSONReader.parse(body, span: spans[index])
                switch APIObjectDecoder.decode(item, kind: kind, source: source) {
                case .success(let object): run.objects.append(object)
                case .failure(let rejected): run.rejected += rejected.errors
                }
            } catch {
                run.syntaxError = error
            }
        }
        list.objects.reserveCapacity(spans.count)
        for run in runs {
            if let error = run.syntaxError { throw syntaxError(body, source: source, found: error) }
            list.objects += run.objects
            list.rejected += run.rejected
        }
        return list
    }

    /// What one run of items decoded to.
    private struct DecodedItems: Sendable {
        var objects: [KubernetesObject] = []
        var rejected: [ManifestError] = []
        var syntaxError: JSONSyntaxError?
    }

    /// The error for a body that is not JSON: the first one a whole parse meets, as the
    /// items were parsed apart (`found` is the error met that way).
    private static func syntaxError(_ body: [UInt8], source: String, found: JSONSyntaxError) -> ManifestErrors {
        var error = found
        do {
            _ = try JSONReader.parse(body)
        } catch let first {
            error = first
        }
        return ManifestErrors([.malformed(file: source, format: .json, line: error.line, column: error.column, problem: error.problem)])
    }
}
