/// A node of a parsed YAML (or JSON) document, with the position it was read from.
///
/// Scalars keep their source text; what type they stand for is decided by the field that
/// reads them (see ``YAMLScalar/resolved``), the way Kubernetes decodes YAML into typed
/// structs: a string field takes any scalar's text, a number field needs a plain number.
struct YAMLNode: Sendable {
    enum Content: Sendable {
        case scalar(YAMLScalar)
        case sequence([YAMLNode])
        case mapping([YAMLMappingEntry])
    }

    var content: Content
    /// 1-based line of the node's first character.
    var line: Int
    /// 1-based column of the node's first character.
    var column: Int

    /// The entries of a mapping node, or `nil`.
    var mappingEntries: [YAMLMappingEntry]? {
        if case .mapping(let entries) = content { return entries }
        return nil
    }

    /// The items of a sequence node, or `nil`.
    var sequenceItems: [YAMLNode]? {
        if case .sequence(let items) = content { return items }
        return nil
    }

    /// The scalar of a scalar node, or `nil`.
    var scalar: YAMLScalar? {
        if case .scalar(let scalar) = content { return scalar }
        return nil
    }

    /// Whether the node is an explicit or implicit null (`~`, `null`, an empty plain value).
    var isNull: Bool {
        if case .scalar(let scalar) = content, case .null = scalar.resolved { return true }
        return false
    }

    /// The value of `key` in a mapping node (`nil` for a missing key or a non-mapping node).
    subscript(key: String) -> YAMLNode? {
        guard case .mapping(let entries) = content else { return nil }
        for entry in entries where entry.key == key { return entry.value }
        return nil
    }

    /// A short name of the node's type, for error messages ("string", "object", "array", …).
    var typeName: String {
        switch content {
        case .mapping: return "object"
        case .sequence: return "array"
        case .scalar(let scalar):
            switch scalar.resolved {
            case .null: return "null"
            case .bool: return "boolean"
            case .int, .float: return "number"
            case .string: return "string"
            }
        }
    }
}

/// One `key: value` pair of a mapping node.
struct YAMLMappingEntry: Sendable {
    var key: String
    var keyLine: Int
    var value: YAMLNode
}

/// A scalar's text, its presentation style and its explicit tag.
struct YAMLScalar: Sendable {
    enum Style: Sendable { case plain, singleQuoted, doubleQuoted, literal, folded }

    /// What a scalar stands for under YAML 1.1's core schema, which Kubernetes' YAML reader
    /// (go-yaml v2) uses: `yes`/`on` are booleans, `0x1F` is an integer.
    enum Resolved: Sendable, Equatable {
        case null
        case bool(Bool)
        case int(Int)
        case float(Double)
        case string(String)
    }

    var text: String
    var style: Style
    /// The explicit tag (`!!str`, `!!int`, …) in its short form, or `nil`.
    var tag: String?

    var resolved: Resolved {
        if let tag {
            switch tag {
            case "!!str", "tag:yaml.org,2002:str": return .string(text)
            case "!!null", "tag:yaml.org,2002:null": return .null
            default: break
            }
        }
        guard style == .plain else { return .string(text) }
        return Self.resolvePlain(text)
    }

    /// The text as a source-like rendering for error messages: strings quoted, numbers and
    /// booleans as written.
    var rendered: String {
        switch resolved {
        case .string(let text): return quoted(text)
        case .null: return "null"
        default: return text
        }
    }

    static func resolvePlain(_ text: String) -> Resolved {
        let utf8 = text.utf8
        guard let first = utf8.first else { return .null }
        switch first {
        case UInt8(ascii: "~"), UInt8(ascii: "n"), UInt8(ascii: "N"):
            switch text {
            case "~", "null", "Null", "NULL": return .null
            case "n", "N", "no", "No", "NO": return .bool(false)
            default: return .string(text)
            }
        case UInt8(ascii: "y"), UInt8(ascii: "Y"), UInt8(ascii: "t"), UInt8(ascii: "T"),
             UInt8(ascii: "f"), UInt8(ascii: "F"), UInt8(ascii: "o"), UInt8(ascii: "O"):
            switch text {
            case "y", "Y", "yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON":
                return .bool(true)
            case "false", "False", "FALSE", "off", "Off", "OFF":
                return .bool(false)
            default: return .string(text)
            }
        case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "+"), UInt8(ascii: "."):
            if let value = parseInteger(text) { return .int(value) }
            if let value = parseFloat(text) { return .float(value) }
            return .string(text)
        default:
            return .string(text)
        }
    }

    /// Decimal, `0x` hexadecimal, `0o`/leading-zero octal and `0b` binary integers, with
    /// optional sign and `_` separators (YAML 1.1).
    static func parseInteger(_ text: String) -> Int? {
        var digits = Substring(text)
        var negative = false
        if let sign = digits.first, sign == "-" || sign == "+" {
            negative = sign == "-"
            digits = digits.dropFirst()
        }
        guard !digits.isEmpty else { return nil }
        var radix = 10
        if digits.hasPrefix("0x") { radix = 16; digits = digits.dropFirst(2) }
        else if digits.hasPrefix("0o") { radix = 8; digits = digits.dropFirst(2) }
        else if digits.hasPrefix("0b") { radix = 2; digits = digits.dropFirst(2) }
        else if digits.count > 1, digits.hasPrefix("0") { radix = 8; digits = digits.dropFirst() }
        let cleaned = digits.contains("_") ? String(digits.filter { $0 != "_" }) : String(digits)
        guard !cleaned.isEmpty, let magnitude = Int(cleaned, radix: radix) else { return nil }
        return negative ? -magnitude : magnitude
    }

    static func parseFloat(_ text: String) -> Double? {
        switch text {
        case ".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF": return .infinity
        case "-.inf", "-.Inf", "-.INF": return -.infinity
        case ".nan", ".NaN", ".NAN": return .nan
        default: break
        }
        guard text.contains(where: { $0 == "." || $0 == "e" || $0 == "E" }) else { return nil }
        return Double(text.filter { $0 != "_" })
    }
}

/// `"text"` with Go's `%q`-style escaping of quotes, backslashes and control characters.
func quoted(_ text: String) -> String {
    var result = "\""
    for scalar in text.unicodeScalars {
        switch scalar {
        case "\"": result += "\\\""
        case "\\": result += "\\\\"
        case "\n": result += "\\n"
        case "\t": result += "\\t"
        case "\r": result += "\\r"
        default:
            if scalar.value < 0x20 || scalar.value == 0x7F {
                let hex = String(scalar.value, radix: 16)
                result += "\\x" + (hex.count < 2 ? "0" + hex : hex)
            } else {
                result.unicodeScalars.append(scalar)
            }
        }
    }
    return result + "\""
}
