import Foundation

extension Secret {
    /// Reads `type` and, of `data` (base64, as the API writes it) and `stringData` (plain,
    /// as manifests may write it; it wins, as the API server merges it), only the TLS keys.
    /// Secret values never appear in messages.
    static func decode(_ root: YAMLNode, _ reader: inout FieldReader) -> Secret {
        var secret = Secret(metadata: reader.metadata(root, namespaced: true))
        secret.type = reader.string(root, "type", .root).flatMap { $0.isEmpty ? nil : $0 } ?? opaqueType
        let data = reader.stringMap(root, "data", .root) ?? [:]
        let plain = reader.stringMap(root, "stringData", .root) ?? [:]
        func value(_ key: String) -> [UInt8]? {
            if let text = plain[key] { return Array(text.utf8) }
            guard let encoded = data[key] else { return nil }
            let compact = encoded.filter { !$0.isWhitespace }
            guard let decoded = Data(base64Encoded: compact) else {
                reader.record(.invalid(FieldPath("data").key(key), "(not shown)", "must be base64-encoded"))
                return nil
            }
            return Array(decoded)
        }
        secret.tlsCertificate = value(certificateKey)
        secret.tlsKey = value(privateKeyKey)
        return secret
    }
}
