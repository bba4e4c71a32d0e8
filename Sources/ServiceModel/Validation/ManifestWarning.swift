/// Something in the manifests that is read without error but is probably not what was
/// meant: a field the API does not define (`unknown field "spec.prots"`), or an object of a
/// kind that looks like a misspelling of one we read. Its description is the line a user
/// sees: `cluster.yaml: Service prod/api: unknown field "spec.prots"`.
public struct ManifestWarning: Hashable, Sendable, CustomStringConvertible {
    public var file: String
    public var object: ObjectDescription
    public var message: String

    public init(file: String, object: ObjectDescription, message: String) {
        self.file = file
        self.object = object
        self.message = message
    }

    public var description: String { "\(file): \(object): \(message)" }
}
