/// One problem with one field, worded like Kubernetes' own validation errors:
/// `spec.ports[1].port: Invalid value: 70000: must be between 1 and 65535, inclusive`.
public struct FieldError: Error, Hashable, Sendable, CustomStringConvertible {
    /// Kubernetes' error types (`k8s.io/apimachinery/pkg/util/validation/field`).
    public enum Kind: Hashable, Sendable {
        /// "Required value": a needed field is missing or empty.
        case required
        /// "Invalid value": the value breaks a rule given in the detail.
        case invalid
        /// "Unsupported value": the value is not one of the listed values.
        case unsupported(supported: [String])
        /// "Duplicate value": the value appears earlier in the same list.
        case duplicate
        /// "Forbidden": the field may not be set here.
        case forbidden
        /// "Too many": the list is longer than allowed.
        case tooMany(limit: Int)
        /// "Too long": the value is longer than allowed.
        case tooLong(limit: Int)
        /// "Not found": the field names something that does not exist.
        case notFound
    }

    public var kind: Kind
    public var path: FieldPath
    /// The offending value as Kubernetes prints it: strings quoted, numbers plain;
    /// `nil` where the message carries no value.
    public var value: String?
    /// What is wrong, or what would be right.
    public var detail: String

    public init(_ kind: Kind, _ path: FieldPath, value: String? = nil, _ detail: String = "") {
        self.kind = kind
        self.path = path
        self.value = value
        self.detail = detail
    }

    /// A "Required value" error.
    public static func required(_ path: FieldPath, _ detail: String = "") -> FieldError {
        FieldError(.required, path, detail)
    }

    /// An "Invalid value" error for a string value (printed quoted).
    public static func invalid(_ path: FieldPath, _ value: String, _ detail: String) -> FieldError {
        FieldError(.invalid, path, value: quoted(value), detail)
    }

    /// An "Invalid value" error for a number (printed plain).
    public static func invalid(_ path: FieldPath, _ value: Int, _ detail: String) -> FieldError {
        FieldError(.invalid, path, value: String(value), detail)
    }

    /// An "Unsupported value" error listing the supported values (sorted, quoted).
    public static func unsupported(_ path: FieldPath, _ value: String, supported: [String]) -> FieldError {
        FieldError(.unsupported(supported: supported.sorted()), path, value: quoted(value))
    }

    /// A "Duplicate value" error for a string value.
    public static func duplicate(_ path: FieldPath, _ value: String) -> FieldError {
        FieldError(.duplicate, path, value: quoted(value))
    }

    /// A "Duplicate value" error for a number.
    public static func duplicate(_ path: FieldPath, _ value: Int) -> FieldError {
        FieldError(.duplicate, path, value: String(value))
    }

    /// A "Forbidden" error.
    public static func forbidden(_ path: FieldPath, _ detail: String) -> FieldError {
        FieldError(.forbidden, path, detail)
    }

    /// A "Too many" error.
    public static func tooMany(_ path: FieldPath, count: Int, limit: Int) -> FieldError {
        FieldError(.tooMany(limit: limit), path, value: String(count), "must have at most \(limit) items")
    }

    /// A "Too long" error.
    public static func tooLong(_ path: FieldPath, limit: Int) -> FieldError {
        FieldError(.tooLong(limit: limit), path, "may not be more than \(limit) bytes")
    }

    /// The message without the field path: `Invalid value: 70000: must be between …`.
    public var body: String {
        var text: String
        switch kind {
        case .required: text = "Required value"
        case .forbidden: text = "Forbidden"
        case .tooLong: text = "Too long"
        case .notFound: text = "Not found"
        case .invalid: text = "Invalid value"
        case .unsupported: text = "Unsupported value"
        case .duplicate: text = "Duplicate value"
        case .tooMany: text = "Too many"
        }
        switch kind {
        case .required, .forbidden, .tooLong: break
        default:
            if let value { text += ": " + value }
        }
        if case .unsupported(let supported) = kind {
            text += ": supported values: " + supported.map(quoted).joined(separator: ", ")
        }
        if !detail.isEmpty { text += ": " + detail }
        return text
    }

    public var description: String { "\(path): \(body)" }
}
