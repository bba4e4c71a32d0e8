/// A core/v1 Secret, as far as an Ingress proxy reads one: its type and the certificate and
/// key of a TLS Secret (`tls.crt`, `tls.key`). Other keys are not kept, so no other secret
/// value stays in memory.
public struct Secret: Hashable, Sendable {
    public var metadata: ObjectMeta
    /// `type`: `kubernetes.io/tls` for the Secrets Ingresses name; `Opaque` when unset.
    public var type: String
    /// `tls.crt`: a PEM certificate chain, the server's certificate first.
    public var tlsCertificate: [UInt8]?
    /// `tls.key`: the PEM private key of the first certificate.
    public var tlsKey: [UInt8]?

    public init(metadata: ObjectMeta, type: String = Secret.opaqueType, tlsCertificate: [UInt8]? = nil, tlsKey: [UInt8]? = nil) {
        self.metadata = metadata
        self.type = type
        self.tlsCertificate = tlsCertificate
        self.tlsKey = tlsKey
    }

    public static let tlsType = "kubernetes.io/tls"
    public static let opaqueType = "Opaque"
    public static let certificateKey = "tls.crt"
    public static let privateKeyKey = "tls.key"

    public var namespacedName: NamespacedName { NamespacedName(namespace: metadata.namespace, name: metadata.name) }
}
