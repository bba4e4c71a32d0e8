/// The object a problem belongs to: `Service prod/api`, `Node worker-1`, or, before the
/// object's kind and name are known, its document (`document 3`).
public struct ObjectDescription: Hashable, Sendable, CustomStringConvertible {
    public var kind: String?
    public var namespace: String?
    public var name: String?
    /// 1-based position of the object's document in its file.
    public var document: Int
    /// 1-based line where the object starts in its file.
    public var line: Int
    /// Whether objects of this kind have a name (a KubeProxyConfiguration has none).
    public var isNamed: Bool

    public init(kind: String?, namespace: String?, name: String?, document: Int, line: Int, isNamed: Bool = true) {
        self.kind = kind
        self.namespace = namespace
        self.name = name
        self.document = document
        self.line = line
        self.isNamed = isNamed
    }

    public var description: String {
        switch (kind, name) {
        case (let kind?, let name?) where !name.isEmpty:
            if let namespace, !namespace.isEmpty { return "\(kind) \(namespace)/\(name)" }
            return "\(kind) \(name)"
        case (let kind?, _):
            return isNamed ? "\(kind) in document \(document)" : kind
        default:
            return "document \(document)"
        }
    }
}

/// One problem found while reading manifests. Its description is the line a user sees:
/// `cluster.yaml: Service prod/api: spec.ports[1].port: Invalid value: 70000: must be between 1 and 65535, inclusive`.
public enum ManifestError: Error, Hashable, Sendable, CustomStringConvertible {
    /// A file or directory could not be read.
    case unreadable(file: String, reason: String)
    /// A file is not well-formed YAML or JSON (`format` says which it was read as).
    case malformed(file: String, format: Format, line: Int, column: Int, problem: String)
    /// An object breaks a rule for one of its fields.
    case invalidField(file: String, object: ObjectDescription, FieldError)

    public var description: String {
        switch self {
        case .unreadable(let file, let reason):
            return "\(file): cannot read: \(reason)"
        case .malformed(let file, let format, let line, let column, let problem):
            return "\(file):\(line):\(column): invalid \(format.rawValue): \(problem)"
        case .invalidField(let file, let object, let error):
            return "\(file): \(object): \(error)"
        }
    }

    /// What a stream was read as: JSON when its first character opens an object, as
    /// kubectl decides, else YAML.
    public enum Format: String, Hashable, Sendable {
        case yaml = "YAML"
        case json = "JSON"
    }

    /// The file the problem is in.
    public var file: String {
        switch self {
        case .unreadable(let file, _), .malformed(let file, _, _, _, _), .invalidField(let file, _, _):
            return file
        }
    }
}

/// Every problem found in a set of manifests. Thrown instead of a partial result: when any
/// object is invalid, nothing is returned.
public struct ManifestErrors: Error, Sendable, CustomStringConvertible {
    public var errors: [ManifestError]
    /// What else was found on the way, which may explain an error (an unknown field
    /// `prots` beside a missing `ports`).
    public var warnings: [ManifestWarning]

    public init(_ errors: [ManifestError], warnings: [ManifestWarning] = []) {
        self.errors = errors
        self.warnings = warnings
    }

    public var description: String {
        errors.map(\.description).joined(separator: "\n")
    }
}
