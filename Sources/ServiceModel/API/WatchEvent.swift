/// One event of a watch stream: one JSON line `{"type":…,"object":{…}}` of the chunked
/// response to `GET …?watch=true`.
public struct WatchEvent: Sendable {
    public enum EventType: String, Sendable, CaseIterable {
        case added = "ADDED"
        case modified = "MODIFIED"
        case deleted = "DELETED"
        /// Only moves the resource version on; carries no change.
        case bookmark = "BOOKMARK"
        /// The watch failed; ``status`` says why (410: list again).
        case error = "ERROR"
    }

    /// What happened to an object, as far as a proxy is concerned.
    public enum Change: Sendable {
        /// Added or modified, and valid.
        case set(KubernetesObject)
        /// Deleted; or modified into something validation rejects, which is left out.
        case removed(kind: String, NamespacedName)
    }

    public var type: EventType
    /// The object's resource version: where a watch resumes after this event.
    public var resourceVersion: String?
    /// The change, for ADDED, MODIFIED and DELETED.
    public var change: Change?
    /// Why a modified or added object was left out.
    public var rejected: [ManifestError] = []
    /// The failure, for ERROR.
    public var status: APIStatus?

    /// Decodes one line of a watch of `kind` objects; `source` names it in messages. A line
    /// that is not an event (not JSON, no type, an unknown type) throws.
    public static func decode(line: [UInt8], kind: String, source: String) throws(ManifestErrors) -> WatchEvent {
        let root: YAMLNode
        do {
            root = try JSONReader.parse(line)
        } catch {
            throw ManifestErrors([.malformed(file: source, format: .json, line: error.line, column: error.column, problem: error.problem)])
        }
        let eventObject = ObjectDescription(kind: "WatchEvent", namespace: nil, name: nil, document: 1, line: 1, isNamed: false)
        var reader = FieldReader()
        let typeText = reader.string(root, "type", .root)
        let object = reader.object(root, "object", .root)
        guard let typeText, let type = EventType(rawValue: typeText), let object else {
            let error: FieldError = typeText.map { text in EventType(rawValue: text) == nil
                ? .unsupported(FieldPath("type"), text, supported: EventType.allCases.map(\.rawValue))
                : .required(FieldPath("object")) } ?? .required(FieldPath("type"))
            throw ManifestErrors((reader.errors + [error]).map { .invalidField(file: source, object: eventObject, $0) })
        }
        let metadata = object["metadata"]
        var event = WatchEvent(type: type, resourceVersion: metadata?["resourceVersion"]?.scalar?.text)
        let name = NamespacedName(namespace: metadata?["namespace"]?.scalar?.text ?? "", name: metadata?["name"]?.scalar?.text ?? "")
        switch type {
        case .bookmark:
            break
        case .error:
            event.status = APIStatus.decode(object)
        case .deleted:
            event.change = .removed(kind: kind, name)
        case .added, .modified:
            switch APIObjectDecoder.decode(object, kind: kind, source: source) {
            case .success(let decoded):
                event.change = .set(decoded)
            case .failure(let rejected):
                event.rejected = rejected.errors
                event.change = .removed(kind: kind, name)
            }
        }
        return event
    }
}
