extension Secret {
    /// Checks what the API server checks of the parts read: the name, and that a
    /// `kubernetes.io/tls` Secret holds both `tls.crt` and `tls.key`.
    public func validate() -> [FieldError] {
        var errors = Service.validateMetadata(metadata, nameRule: NameRules.dns1123Subdomain)
        if type == Self.tlsType {
            if tlsCertificate == nil { errors.append(.required(FieldPath("data").key(Self.certificateKey))) }
            if tlsKey == nil { errors.append(.required(FieldPath("data").key(Self.privateKeyKey))) }
        }
        return errors
    }
}
