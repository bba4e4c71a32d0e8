import Foundation
import ServiceModel

/// Where the API server is and how to talk to it, resolved the way kube-proxy resolves it:
/// a kubeconfig (`--kubeconfig`, else the configuration's `clientConnection.kubeconfig`)
/// with `--master` overriding its server; `--master` alone; else in-cluster (the
/// `KUBERNETES_SERVICE_HOST`/`_PORT` environment and the pod's service account).
public struct APIConnection: Hashable, Sendable {
    /// How the server's certificate is checked.
    public enum Trust: Hashable, Sendable {
        /// Against the system's trust roots.
        case systemRoots
        /// Against this CA bundle (PEM).
        case certificateAuthority(pem: [UInt8])
        /// Not at all (`insecure-skip-tls-verify`).
        case insecure
    }

    /// Where a bearer token comes from.
    public enum Token: Hashable, Sendable {
        case value(String)
        /// A file read again every minute: service-account tokens rotate.
        case file(path: String)
    }

    /// `https://host:port` (or `http://` for a plain local proxy).
    public var server: String
    public var trust: Trust
    public var token: Token?
    /// A client certificate and its key, both PEM.
    public struct ClientCertificate: Hashable, Sendable {
        public var certificate: [UInt8]
        public var key: [UInt8]

        public init(certificate: [UInt8], key: [UInt8]) {
            self.certificate = certificate
            self.key = key
        }
    }

    /// The certificate this client presents, if any.
    public var clientCertificate: ClientCertificate?
    /// The name to check the server's certificate for, when it is not the server's host.
    public var tlsServerName: String?
    /// Where this came from, for the log.
    public var source: String

    public init(server: String, trust: Trust, token: Token?, clientCertificate: ClientCertificate?,
                tlsServerName: String?, source: String) {
        self.server = server
        self.trust = trust
        self.token = token
        self.clientCertificate = clientCertificate
        self.tlsServerName = tlsServerName
        self.source = source
    }

    /// The directory of a pod's service-account credentials.
    public static let serviceAccountDirectory = "/var/run/secrets/kubernetes.io/serviceaccount"

    /// Resolves the connection. `environment` and `serviceAccountDirectory` are the
    /// process's by default.
    public static func resolve(kubeconfig: String?, context: String?, master: String?,
                               environment: [String: String] = ProcessInfo.processInfo.environment,
                               serviceAccountDirectory: String = serviceAccountDirectory) throws(APIConnectionError) -> APIConnection {
        let kubeconfig = kubeconfig.flatMap { $0.isEmpty ? nil : $0 }
        let master = master.flatMap { $0.isEmpty ? nil : $0 }
        if let kubeconfig { return try fromKubeconfig(kubeconfig, context: context, master: master) }
        if let master {
            return APIConnection(server: master, trust: .systemRoots, token: nil, clientCertificate: nil, tlsServerName: nil,
                                 source: "--master \(master)")
        }
        return try inCluster(environment: environment, directory: serviceAccountDirectory)
    }

    private static func fromKubeconfig(_ path: String, context: String?, master: String?) throws(APIConnectionError) -> APIConnection {
        let bytes = try read(path, what: "the kubeconfig")
        let config: Kubeconfig
        let selection: (cluster: Kubeconfig.Cluster, user: Kubeconfig.User?)
        do {
            config = try Kubeconfig.decode(bytes, file: path)
            selection = try config.selection(context: context, file: path)
        } catch {
            throw APIConnectionError(error.description)
        }
        let directory = (path as NSString).deletingLastPathComponent
        func resolved(_ file: String) -> String { file.hasPrefix("/") || directory.isEmpty ? file : directory + "/" + file }
        func material(_ file: String?, _ data: String?, _ field: String) throws(APIConnectionError) -> [UInt8]? {
            if let data, !data.isEmpty {
                guard let decoded = Data(base64Encoded: data) else { throw APIConnectionError("\(path): \(field)-data is not base64") }
                return Array(decoded)
            }
            guard let file, !file.isEmpty else { return nil }
            return try read(resolved(file), what: "\(field) of \(path)")
        }
        let cluster = selection.cluster
        var connection = APIConnection(server: master ?? cluster.server, trust: .systemRoots, token: nil, clientCertificate: nil,
                                       tlsServerName: cluster.tlsServerName,
                                       source: "kubeconfig \(path) (context \(context ?? config.currentContext ?? ""))")
        if cluster.insecureSkipTLSVerify {
            connection.trust = .insecure
        } else if let ca = try material(cluster.certificateAuthority, cluster.certificateAuthorityData, "certificate-authority") {
            connection.trust = .certificateAuthority(pem: ca)
        }
        guard let user = selection.user else { return connection }
        if user.usesPlugin {
            throw APIConnectionError("\(path): user \(user.name) authenticates through a credential plugin (exec or auth-provider), which kproxy-iptables does not run; give a token, a token file or a client certificate")
        }
        if let token = user.token, !token.isEmpty {
            connection.token = .value(token)
        } else if let file = user.tokenFile, !file.isEmpty {
            connection.token = .file(path: resolved(file))
        }
        let certificate = try material(user.clientCertificate, user.clientCertificateData, "client-certificate")
        let key = try material(user.clientKey, user.clientKeyData, "client-key")
        switch (certificate, key) {
        case (let certificate?, let key?): connection.clientCertificate = ClientCertificate(certificate: certificate, key: key)
        case (nil, nil): break
        default: throw APIConnectionError("\(path): user \(user.name) has a client certificate or key without the other")
        }
        return connection
    }

    private static func inCluster(environment: [String: String], directory: String) throws(APIConnectionError) -> APIConnection {
        guard let host = environment["KUBERNETES_SERVICE_HOST"], !host.isEmpty,
              let port = environment["KUBERNETES_SERVICE_PORT"], !port.isEmpty else {
            throw APIConnectionError("neither --kubeconfig nor --master was given, and this is not a pod: KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT are not set")
        }
        let tokenPath = directory + "/token"
        _ = try read(tokenPath, what: "the service-account token")
        let ca = try read(directory + "/ca.crt", what: "the service-account CA")
        let hostPart = host.contains(":") ? "[\(host)]" : host
        return APIConnection(server: "https://\(hostPart):\(port)", trust: .certificateAuthority(pem: ca), token: .file(path: tokenPath),
                             clientCertificate: nil, tlsServerName: nil, source: "in-cluster service account")
    }

    static func read(_ path: String, what: String) throws(APIConnectionError) -> [UInt8] {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw APIConnectionError("cannot read \(what) at \(path)")
        }
        return Array(data)
    }
}

/// Why no connection to the API server could be set up.
public struct APIConnectionError: Error, Sendable, CustomStringConvertible {
    public var description: String

    public init(_ description: String) {
        self.description = description
    }
}
