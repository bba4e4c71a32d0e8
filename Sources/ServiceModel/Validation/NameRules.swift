/// Kubernetes' name rules (`k8s.io/apimachinery/pkg/util/validation`), with its messages.
/// Each function returns the reasons a value breaks the rule; empty means valid.
public enum NameRules {
    static let dns1123LabelMaxLength = 63
    static let dns1123SubdomainMaxLength = 253

    /// An RFC 1123 label: namespaces, port names, label-like names.
    public static func dns1123Label(_ value: String) -> [String] {
        var errors: [String] = []
        if value.utf8.count > dns1123LabelMaxLength {
            errors.append("must be no more than \(dns1123LabelMaxLength) characters")
        }
        if !isLabel(value.utf8, firstMayBeDigit: true) {
            errors.append("a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')")
        }
        return errors
    }

    /// An RFC 1035 label: Service names.
    public static func dns1035Label(_ value: String) -> [String] {
        var errors: [String] = []
        if value.utf8.count > dns1123LabelMaxLength {
            errors.append("must be no more than \(dns1123LabelMaxLength) characters")
        }
        if !isLabel(value.utf8, firstMayBeDigit: false) {
            errors.append("a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')")
        }
        return errors
    }

    /// An RFC 1123 subdomain: most object names, node names, host names.
    public static func dns1123Subdomain(_ value: String) -> [String] {
        var errors: [String] = []
        if value.utf8.count > dns1123SubdomainMaxLength {
            errors.append("must be no more than \(dns1123SubdomainMaxLength) characters")
        }
        let labels = value.utf8.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false)
        if labels.isEmpty || !labels.allSatisfy({ isLabel($0, firstMayBeDigit: true) }) {
            errors.append(subdomainMessage)
        }
        return errors
    }

    static let subdomainMessage = "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"

    /// A wildcard DNS-1123 subdomain: `*.example.com` (Ingress hosts).
    public static func wildcardDNS1123Subdomain(_ value: String) -> [String] {
        var errors: [String] = []
        if value.utf8.count > dns1123SubdomainMaxLength {
            errors.append("must be no more than \(dns1123SubdomainMaxLength) characters")
        }
        guard value.hasPrefix("*."), dns1123Subdomain(String(value.dropFirst(2))).isEmpty else {
            errors.append("a wildcard DNS-1123 subdomain must start with '*.', followed by a valid DNS subdomain, which must consist of lower case alphanumeric characters, '-' or '.' and end with an alphanumeric character (e.g. '*.example.com', regex used for validation is '\\*\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')")
            return errors
        }
        return errors
    }

    /// An IANA service name (RFC 6335): named container ports and `targetPort` names.
    public static func ianaServiceName(_ value: String) -> [String] {
        var errors: [String] = []
        let bytes = Array(value.utf8)
        if bytes.count > 15 { errors.append("must be no more than 15 characters") }
        if !bytes.allSatisfy({ isLowerAlpha($0) || isDigit($0) || $0 == UInt8(ascii: "-") }) {
            errors.append("must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)")
        }
        if value.contains("--") { errors.append("must not contain consecutive hyphens") }
        if !bytes.contains(where: isLowerAlpha) { errors.append("must contain at least one letter (a-z)") }
        if bytes.first == UInt8(ascii: "-") || bytes.last == UInt8(ascii: "-") {
            errors.append("must not begin or end with a hyphen")
        }
        return errors
    }

    /// A qualified name (`[prefix/]name`): label keys, `appProtocol`, IngressClass controllers.
    public static func qualifiedName(_ value: String) -> [String] {
        var errors: [String] = []
        let parts = value.split(separator: "/", omittingEmptySubsequences: false)
        let name: Substring
        switch parts.count {
        case 1:
            name = parts[0]
        case 2:
            name = parts[1]
            if parts[0].isEmpty {
                errors.append("prefix part must be non-empty")
            } else {
                errors.append(contentsOf: dns1123Subdomain(String(parts[0])).map { "prefix part " + $0 })
            }
        default:
            return ["a qualified name must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]') with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')"]
        }
        if name.isEmpty {
            errors.append("name part must be non-empty")
        } else if name.utf8.count > 63 {
            errors.append("name part must be no more than 63 characters")
        }
        let bytes = Array(name.utf8)
        let edgesOK = bytes.first.map(isAlphanumeric) == true && bytes.last.map(isAlphanumeric) == true
        let bodyOK = bytes.allSatisfy { isAlphanumeric($0) || $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: "_") || $0 == UInt8(ascii: ".") }
        if !name.isEmpty, !(edgesOK && bodyOK) {
            errors.append("name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')")
        }
        return errors
    }

    /// A label value: empty, or up to 63 alphanumeric characters, `-`, `_`, `.`.
    public static func labelValue(_ value: String) -> [String] {
        guard !value.isEmpty else { return [] }
        var errors: [String] = []
        if value.utf8.count > 63 { errors.append("must be no more than 63 characters") }
        let bytes = Array(value.utf8)
        let edgesOK = bytes.first.map(isAlphanumeric) == true && bytes.last.map(isAlphanumeric) == true
        let bodyOK = bytes.allSatisfy { isAlphanumeric($0) || $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: "_") || $0 == UInt8(ascii: ".") }
        if !(edgesOK && bodyOK) {
            errors.append("a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')")
        }
        return errors
    }

    private static func isLabel(_ bytes: some BidirectionalCollection<UInt8>, firstMayBeDigit: Bool) -> Bool {
        guard let first = bytes.first, let last = bytes.last else { return false }
        guard isLowerAlpha(first) || (firstMayBeDigit && isDigit(first)) else { return false }
        guard isLowerAlpha(last) || isDigit(last) else { return false }
        return bytes.allSatisfy { isLowerAlpha($0) || isDigit($0) || $0 == UInt8(ascii: "-") }
    }
}

private func isLowerAlpha(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z") }
private func isDigit(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") }
private func isAlphanumeric(_ byte: UInt8) -> Bool {
    isLowerAlpha(byte) || isDigit(byte) || (byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z"))
}
