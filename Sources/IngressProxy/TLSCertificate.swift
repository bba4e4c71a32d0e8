import Crypto
import Foundation
import NIOSSL
import ServiceModel
import SwiftASN1
import X509

/// A certificate chain and its private key, as a TLS Secret holds them, ready for the
/// handshake.
public struct TLSCertificate: Sendable {
    public let chain: [NIOSSLCertificate]
    public let privateKey: NIOSSLPrivateKey
    /// Where it came from, for messages (`Secret prod/web-tls`, `generated`).
    public let source: String

    /// Reads PEM text: the chain (the server's certificate first) and its key.
    public init(certificatePEM: [UInt8], keyPEM: [UInt8], source: String) throws(IngressProblem) {
        do {
            chain = try NIOSSLCertificate.fromPEMBytes(certificatePEM)
        } catch {
            throw IngressProblem("\(source): data[\(Secret.certificateKey)]: not a PEM certificate chain (\(error))")
        }
        guard !chain.isEmpty else {
            throw IngressProblem("\(source): data[\(Secret.certificateKey)]: no certificate in it")
        }
        do {
            privateKey = try NIOSSLPrivateKey(bytes: keyPEM, format: .pem)
        } catch {
            throw IngressProblem("\(source): data[\(Secret.privateKeyKey)]: not a PEM private key (\(error))")
        }
        self.source = source
    }

    /// A certificate signed by its own key (P-256, valid for a year from an hour ago) for
    /// `dnsNames`: the default certificate when none is given, as ingress-nginx makes its
    /// "Fake Certificate".
    public static func selfSigned(commonName: String, dnsNames: [String]) throws -> TLSCertificate {
        let pem = try selfSignedPEM(commonName: commonName, dnsNames: dnsNames)
        return try TLSCertificate(certificatePEM: Array(pem.certificate.utf8), keyPEM: Array(pem.key.utf8), source: "generated")
    }

    /// The same as PEM text, as a TLS Secret holds it.
    public static func selfSignedPEM(commonName: String, dnsNames: [String]) throws -> (certificate: String, key: String) {
        let now = Date()
        let key = P256.Signing.PrivateKey()
        let name = try DistinguishedName { CommonName(commonName) }
        let certificate = try Certificate(
            version: .v3, serialNumber: Certificate.SerialNumber(), publicKey: .init(key.publicKey),
            notValidBefore: now - 3600, notValidAfter: now + 365 * 86400, issuer: name, subject: name,
            signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions {
                SubjectAlternativeNames(dnsNames.map { .dnsName($0) })
                try ExtendedKeyUsage([.serverAuth])
                Critical(KeyUsage(digitalSignature: true))
            },
            issuerPrivateKey: .init(key))
        return (try certificate.serializeAsPEM().pemString, key.pemRepresentation)
    }
}
