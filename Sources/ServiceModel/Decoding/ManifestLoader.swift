import Foundation

/// Reads Kubernetes manifests the way `kubectl apply -f` takes them: YAML or JSON files,
/// single objects, multi-document streams, `List` objects, and directories of such files.
///
/// Every object is decoded and validated; all problems of all files are collected and
/// thrown together as ``ManifestErrors``. Nothing is returned when anything is invalid.
public enum ManifestLoader {
    /// File name endings read from a directory, as kubectl does.
    public static let manifestExtensions = ["yaml", "yml", "json"]

    /// Loads files and directories (a directory's manifest files, not its subdirectories).
    public static func load(paths: [String]) throws(ManifestErrors) -> Manifests {
        var manifests = Manifests()
        var errors: [ManifestError] = []
        var warnings: [ManifestWarning] = []
        var seen: [String: String] = [:]
        for path in paths {
            for file in expand(path, &errors) {
                guard let data = FileManager.default.contents(atPath: file) else {
                    errors.append(.unreadable(file: file, reason: readFailureReason(file)))
                    continue
                }
                do {
                    manifests.append(contentsOf: try load(bytes: [UInt8](data), file: file, seen: &seen))
                } catch {
                    errors += error.errors
                    warnings += error.warnings
                }
            }
        }
        guard errors.isEmpty else { throw ManifestErrors(errors, warnings: warnings + manifests.warnings) }
        return manifests
    }

    /// Loads one YAML or JSON stream; `file` names it in messages.
    public static func load(bytes: [UInt8], file: String) throws(ManifestErrors) -> Manifests {
        var seen: [String: String] = [:]
        return try load(bytes: bytes, file: file, seen: &seen)
    }

    /// Loads one stream; `seen` maps each object already read to its file, so an object
    /// defined twice is reported.
    static func load(bytes: [UInt8], file: String, seen: inout [String: String]) throws(ManifestErrors) -> Manifests {
        var manifests = Manifests()
        var errors: [ManifestError] = []
        if JSONReader.looksLikeJSON(bytes) {
            // JSON is read as JSON, strictly: YAML would take a trailing comma or a comment.
            do {
                let root = try JSONReader.parse(bytes)
                if !root.isNull { read(root, document: 1, file: file, into: &manifests, &errors) }
            } catch {
                throw ManifestErrors([.malformed(file: file, format: .json, line: error.line, column: error.column,
                                                 problem: error.problem)])
            }
        } else {
            do {
                try YAMLReader.forEachDocument(in: bytes) { document in
                    guard let root = document.root, !root.isNull else { return }
                    read(root, document: document.index, file: file, into: &manifests, &errors)
                }
            } catch {
                // A stream that is not YAML is reported alone: what came before it is not used.
                throw ManifestErrors([.malformed(file: file, format: .yaml, line: error.line, column: error.column,
                                                 problem: error.problem)])
            }
        }
        errors += duplicates(in: manifests, file: file, seen: &seen)
        guard errors.isEmpty else { throw ManifestErrors(errors, warnings: manifests.warnings) }
        return manifests
    }

    /// Loads the one KubeProxyConfiguration in a file.
    public static func loadConfiguration(path: String) throws(ManifestErrors) -> KubeProxyConfiguration {
        let manifests = try load(paths: [path])
        guard manifests.configurations.count == 1 else {
            let found = manifests.configurations.count
            throw ManifestErrors([.invalidField(
                file: path, object: ObjectDescription(kind: "KubeProxyConfiguration", namespace: nil, name: nil,
                                                      document: 1, line: 1, isNamed: false),
                FieldError(.invalid, .root, value: String(found),
                           "the file must hold exactly one KubeProxyConfiguration"))])
        }
        return manifests.configurations[0].configuration
    }

    private static func read(_ root: YAMLNode, document: Int, file: String,
                             into manifests: inout Manifests, _ errors: inout [ManifestError]) {
        var reader = FieldReader()
        let kind = reader.string(root, "kind", .root)
        let apiVersion = reader.string(root, "apiVersion", .root)
        let metadata = root["metadata"]
        var object = ObjectDescription(
            kind: kind, namespace: metadata?["namespace"]?.scalar?.text,
            name: metadata?["name"]?.scalar?.text, document: document, line: root.line,
            isNamed: kind != "KubeProxyConfiguration")
        guard case .mapping = root.content else {
            errors.append(.invalidField(file: file, object: object,
                                        FieldError(.invalid, .root, value: root.typeName, "must be of type object")))
            return
        }
        guard let kind, !kind.isEmpty else {
            errors.append(.invalidField(file: file, object: object, .required(FieldPath("kind"))))
            return
        }
        if kind.hasSuffix("List"), root["items"] != nil {
            for item in reader.list(root, "items", .root) {
                read(item, document: document, file: file, into: &manifests, &errors)
            }
            errors += reader.errors.map { .invalidField(file: file, object: object, $0) }
            return
        }
        guard let expected = Self.apiVersions[kind] else {
            manifests.skippedKinds[kind, default: 0] += 1
            if let meant = likelyMeant(kind) {
                manifests.warnings.append(ManifestWarning(file: file, object: object,
                                                          message: "unknown kind \"\(kind)\" (did you mean \(meant)?); the object is skipped"))
            }
            return
        }
        guard let apiVersion, !apiVersion.isEmpty else {
            errors.append(.invalidField(file: file, object: object, .required(FieldPath("apiVersion"))))
            return
        }
        guard apiVersion == expected else {
            errors.append(.invalidField(file: file, object: object,
                                        .unsupported(FieldPath("apiVersion"), apiVersion, supported: [expected])))
            return
        }
        if object.namespace == nil, Self.namespacedKinds.contains(kind) { object.namespace = "default" }
        for field in KnownFields.unknown(in: root, kind: kind) {
            manifests.warnings.append(ManifestWarning(file: file, object: object, message: "unknown field \"\(field)\""))
        }

        let problems: [FieldError]
        if kind == "KubeProxyConfiguration" {
            let configuration = KubeProxyConfiguration.decode(root, &reader)
            problems = combine(reader.errors, configuration.validate())
            if problems.isEmpty { manifests.configurations.append((file, configuration)) }
        } else {
            let decoded = decodeObject(root, kind: kind, &reader)
            problems = decoded.problems
            if problems.isEmpty, let value = decoded.object { manifests.append(value) }
        }
        errors += problems.map { .invalidField(file: file, object: object, $0) }
    }

    /// Decodes and validates one object of a kind a proxy reads (not the configuration):
    /// the object, and every problem found; the object is `nil` for a kind not read here.
    /// Files and the API server's JSON both come through here.
    static func decodeObject(_ root: YAMLNode, kind: String, _ reader: inout FieldReader)
        -> (object: KubernetesObject?, problems: [FieldError]) {
        let object: KubernetesObject
        let validation: [FieldError]
        switch kind {
        case "Service":
            let service = Service.decode(root, &reader)
            (object, validation) = (.service(service), service.validate())
        case "EndpointSlice":
            let slice = EndpointSlice.decode(root, &reader)
            (object, validation) = (.endpointSlice(slice), slice.validate())
        case "Endpoints":
            let endpoints = Endpoints.decode(root, &reader)
            (object, validation) = (.endpoints(endpoints), endpoints.validate())
        case "Node":
            let node = Node.decode(root, &reader)
            (object, validation) = (.node(node), node.validate())
        case "Ingress":
            let ingress = Ingress.decode(root, &reader)
            (object, validation) = (.ingress(ingress), ingress.validate())
        case "IngressClass":
            let ingressClass = IngressClass.decode(root, &reader)
            (object, validation) = (.ingressClass(ingressClass), ingressClass.validate())
        case "ServiceCIDR":
            let serviceCIDR = ServiceCIDR.decode(root, &reader)
            (object, validation) = (.serviceCIDR(serviceCIDR), serviceCIDR.validate())
        case "Secret":
            let secret = Secret.decode(root, &reader)
            (object, validation) = (.secret(secret), secret.validate())
        default:
            return (nil, [])
        }
        return (object, combine(reader.errors, validation))
    }

    /// Decoding problems, then validation problems about fields no decoding problem already
    /// covers: a port that could not be read is not reported again as a missing port.
    private static func combine(_ decoding: [FieldError], _ validation: [FieldError]) -> [FieldError] {
        decoding + validation.filter { error in !decoding.contains { $0.path.overlaps(error.path) } }
    }

    static let apiVersions: [String: String] = [
        "Service": "v1", "Endpoints": "v1", "Node": "v1", "Secret": "v1",
        "EndpointSlice": "discovery.k8s.io/v1",
        "Ingress": "networking.k8s.io/v1", "IngressClass": "networking.k8s.io/v1", "ServiceCIDR": "networking.k8s.io/v1",
        "KubeProxyConfiguration": "kubeproxy.config.k8s.io/v1alpha1",
    ]
    /// The kind we read that `kind` is likely a misspelling of: the same letters in
    /// another case, or at most two edits away (one for a name under six letters, so `Pod`
    /// and `Role` are not taken for `Node`).
    static func likelyMeant(_ kind: String) -> String? {
        let candidates = apiVersions.keys.sorted()
        if let same = candidates.first(where: { $0.lowercased() == kind.lowercased() }) { return same }
        return candidates.map { ($0, editDistance(Array($0.lowercased()), Array(kind.lowercased()))) }
            .filter { $0.1 <= (kind.count >= 6 ? 2 : 1) }.min { $0.1 < $1.1 }?.0
    }

    /// Levenshtein distance.
    private static func editDistance(_ a: [Character], _ b: [Character]) -> Int {
        var previous = Array(0...b.count)
        for (i, x) in a.enumerated() {
            var current = [i + 1]
            for (j, y) in b.enumerated() {
                current.append(min(previous[j + 1] + 1, current[j] + 1, previous[j] + (x == y ? 0 : 1)))
            }
            previous = current
        }
        return previous[b.count]
    }

    static let namespacedKinds: Set<String> = ["Service", "Endpoints", "EndpointSlice", "Ingress", "Secret"]

    /// The files a path stands for: itself, or a directory's manifest files sorted by name.
    private static func expand(_ path: String, _ errors: inout [ManifestError]) -> [String] {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            errors.append(.unreadable(file: path, reason: "no such file or directory"))
            return []
        }
        guard isDirectory.boolValue else { return [path] }
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: path) else {
            errors.append(.unreadable(file: path, reason: "cannot list the directory"))
            return []
        }
        let base = path.hasSuffix("/") ? path : path + "/"
        return names.sorted().filter { name in
            guard let dot = name.lastIndex(of: "."), !name.hasPrefix(".") else { return false }
            return manifestExtensions.contains(String(name[name.index(after: dot)...]).lowercased())
        }.map { base + $0 }
    }

    private static func readFailureReason(_ file: String) -> String {
        FileManager.default.isReadableFile(atPath: file) ? "cannot read the file" : "permission denied"
    }

    /// Objects defined twice (same kind, namespace and name), within and across files.
    private static func duplicates(in manifests: Manifests, file: String, seen: inout [String: String]) -> [ManifestError] {
        var errors: [ManifestError] = []
        func check(_ kind: String, _ metadata: ObjectMeta) {
            let key = "\(kind)/\(metadata.namespace)/\(metadata.name)"
            if let earlier = seen[key] {
                let object = ObjectDescription(kind: kind, namespace: metadata.namespace, name: metadata.name,
                                               document: 0, line: 0)
                errors.append(.invalidField(file: file, object: object,
                                            FieldError(.duplicate, FieldPath("metadata", "name"), value: quoted(metadata.name),
                                                       "also defined in \(earlier)")))
            } else {
                seen[key] = file
            }
        }
        manifests.services.forEach { check("Service", $0.metadata) }
        manifests.endpointSlices.forEach { check("EndpointSlice", $0.metadata) }
        manifests.endpoints.forEach { check("Endpoints", $0.metadata) }
        manifests.nodes.forEach { check("Node", $0.metadata) }
        manifests.ingresses.forEach { check("Ingress", $0.metadata) }
        manifests.ingressClasses.forEach { check("IngressClass", $0.metadata) }
        manifests.serviceCIDRs.forEach { check("ServiceCIDR", $0.metadata) }
        manifests.secrets.forEach { check("Secret", $0.metadata) }
        return errors
    }
}
