/// A kubeconfig file (`kind: Config`, `apiVersion: v1`): the clusters, users and contexts
/// a client picks its API server and credentials from, as client-go reads them.
///
/// Paths are kept as written (relative ones are relative to the file's directory) and
/// `-data` fields as their base64 text; the client reads and decodes them.
public struct Kubeconfig: Hashable, Sendable {
    public struct Cluster: Hashable, Sendable {
        public var name: String
        public var server: String
        public var certificateAuthority: String?
        public var certificateAuthorityData: String?
        public var insecureSkipTLSVerify = false
        public var tlsServerName: String?
    }

    public struct User: Hashable, Sendable {
        public var name: String
        public var token: String?
        public var tokenFile: String?
        public var clientCertificate: String?
        public var clientCertificateData: String?
        public var clientKey: String?
        public var clientKeyData: String?
        /// The user authenticates through a credential plugin (`exec`) or an
        /// `auth-provider`, which this client does not run.
        public var usesPlugin = false
    }

    public struct Context: Hashable, Sendable {
        public var name: String
        public var cluster: String
        public var user: String
        public var namespace: String?
    }

    public var clusters: [Cluster] = []
    public var users: [User] = []
    public var contexts: [Context] = []
    public var currentContext: String?

    public init() {}

    /// The cluster and user of `context` (default: the current context). Throws, naming
    /// the file and field, when the context, its cluster or its user is missing.
    public func selection(context: String?, file: String) throws(ManifestErrors) -> (cluster: Cluster, user: User?) {
        let object = ObjectDescription(kind: "Config", namespace: nil, name: nil, document: 1, line: 1, isNamed: false)
        func failure(_ path: FieldPath, _ value: String?, _ message: String) -> ManifestErrors {
            ManifestErrors([.invalidField(file: file, object: object, FieldError(.notFound, path, value: value.map(quoted), message))])
        }
        guard let name = context ?? currentContext, !name.isEmpty else {
            throw failure(FieldPath("current-context"), nil, "no context is selected; set current-context or give --context")
        }
        guard let chosen = contexts.first(where: { $0.name == name }) else {
            throw failure(FieldPath("contexts"), name, "no context of that name; known: \(contexts.map(\.name).joined(separator: ", "))")
        }
        guard let cluster = clusters.first(where: { $0.name == chosen.cluster }) else {
            throw failure(FieldPath("clusters"), chosen.cluster, "context \(quoted(name)) names a cluster that is not in the file")
        }
        if chosen.user.isEmpty { return (cluster, nil) }
        guard let user = users.first(where: { $0.name == chosen.user }) else {
            throw failure(FieldPath("users"), chosen.user, "context \(quoted(name)) names a user that is not in the file")
        }
        return (cluster, user)
    }

    /// Reads a kubeconfig; `file` names it in messages.
    public static func decode(_ bytes: [UInt8], file: String) throws(ManifestErrors) -> Kubeconfig {
        var root: YAMLNode?
        do {
            try YAMLReader.forEachDocument(in: bytes) { document in if root == nil { root = document.root } }
        } catch {
            throw ManifestErrors([.malformed(file: file, format: .yaml, line: error.line, column: error.column, problem: error.problem)])
        }
        var config = Kubeconfig()
        var reader = FieldReader()
        if let root {
            config.currentContext = reader.string(root, "current-context", .root)
            config.clusters = named(root, "clusters", "cluster", &reader) { node, path, reader in
                var cluster = Cluster(name: "", server: reader.string(node, "server", path) ?? "")
                if cluster.server.isEmpty { reader.record(.required(path.child("server"))) }
                cluster.certificateAuthority = reader.string(node, "certificate-authority", path)
                cluster.certificateAuthorityData = reader.string(node, "certificate-authority-data", path)
                cluster.insecureSkipTLSVerify = reader.bool(node, "insecure-skip-tls-verify", path) ?? false
                cluster.tlsServerName = reader.string(node, "tls-server-name", path)
                return cluster
            }.map { name, cluster in var cluster = cluster; cluster.name = name; return cluster }
            config.users = named(root, "users", "user", &reader) { node, path, reader in
                var user = User(name: "")
                user.token = reader.string(node, "token", path)
                user.tokenFile = reader.string(node, "tokenFile", path)
                user.clientCertificate = reader.string(node, "client-certificate", path)
                user.clientCertificateData = reader.string(node, "client-certificate-data", path)
                user.clientKey = reader.string(node, "client-key", path)
                user.clientKeyData = reader.string(node, "client-key-data", path)
                user.usesPlugin = node["exec"] != nil || node["auth-provider"] != nil
                return user
            }.map { name, user in var user = user; user.name = name; return user }
            config.contexts = named(root, "contexts", "context", &reader) { node, path, reader in
                Context(name: "", cluster: reader.string(node, "cluster", path) ?? "", user: reader.string(node, "user", path) ?? "",
                        namespace: reader.string(node, "namespace", path))
            }.map { name, context in var context = context; context.name = name; return context }
        }
        guard reader.errors.isEmpty else {
            let object = ObjectDescription(kind: "Config", namespace: nil, name: nil, document: 1, line: 1, isNamed: false)
            throw ManifestErrors(reader.errors.map { .invalidField(file: file, object: object, $0) })
        }
        return config
    }

    /// Reads a list of `{name, <key>: {…}}` entries (clusters, users, contexts).
    private static func named<T>(_ root: YAMLNode, _ list: String, _ key: String, _ reader: inout FieldReader,
                                 _ body: (YAMLNode, FieldPath, inout FieldReader) -> T) -> [(String, T)] {
        var result: [(String, T)] = []
        for (index, item) in reader.list(root, list, .root).enumerated() {
            let path = FieldPath(list).index(index)
            guard let entry = reader.object(item, path) else { continue }
            let name = reader.string(entry, "name", path) ?? ""
            if name.isEmpty { reader.record(.required(path.child("name"))) }
            guard let inner = reader.object(entry, key, path) else {
                reader.record(.required(path.child(key)))
                continue
            }
            result.append((name, body(inner, path.child(key), &reader)))
        }
        return result
    }
}
