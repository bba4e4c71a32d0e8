/// The path of a field inside an object, written the way Kubernetes writes it:
/// `spec.ports[1].port`, `metadata.labels[kubernetes.io/service-name]`.
public struct FieldPath: Hashable, Sendable, CustomStringConvertible {
    /// One step of a path.
    public enum Component: Hashable, Sendable {
        /// A named field: `.ports`.
        case field(String)
        /// An element of a list: `[1]`.
        case index(Int)
        /// An entry of a map: `[kubernetes.io/service-name]`.
        case key(String)
    }

    public private(set) var components: [Component]

    /// The empty path: the object itself.
    public static let root = FieldPath(components: [])

    public init(components: [Component]) {
        self.components = components
    }

    /// A path from dotted field names: `FieldPath("spec", "ports")`.
    public init(_ fields: String...) {
        components = fields.map(Component.field)
    }

    /// The path of a named field below this one.
    public func child(_ name: String) -> FieldPath {
        var copy = self
        copy.components.append(.field(name))
        return copy
    }

    /// The path of a list element below this one.
    public func index(_ index: Int) -> FieldPath {
        var copy = self
        copy.components.append(.index(index))
        return copy
    }

    /// The path of a map entry below this one.
    public func key(_ key: String) -> FieldPath {
        var copy = self
        copy.components.append(.key(key))
        return copy
    }

    /// Whether one path lies within the other (or they are equal).
    public func overlaps(_ other: FieldPath) -> Bool {
        let count = min(components.count, other.components.count)
        return components.prefix(count) == other.components.prefix(count)
    }

    public var description: String {
        var text = ""
        for component in components {
            switch component {
            case .field(let name):
                if !text.isEmpty { text += "." }
                text += name
            case .index(let index):
                text += "[\(index)]"
            case .key(let key):
                text += "[\(key)]"
            }
        }
        return text.isEmpty ? "<root>" : text
    }
}
