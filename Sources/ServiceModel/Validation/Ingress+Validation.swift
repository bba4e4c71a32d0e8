extension Ingress {
    /// Checks the Ingress against Kubernetes' rules: hosts, paths and their types, backends.
    public func validate() -> [FieldError] {
        var errors = Service.validateMetadata(metadata, nameRule: NameRules.dns1123Subdomain)
        let spec = FieldPath("spec")
        if defaultBackend == nil, rules.isEmpty {
            errors.append(.invalid(spec, "{}", "either `defaultBackend` or `rules` must be specified"))
        }
        if let ingressClassName {
            for message in NameRules.dns1123Subdomain(ingressClassName) {
                errors.append(.invalid(spec.child("ingressClassName"), ingressClassName, message))
            }
        }
        if let defaultBackend {
            errors.append(contentsOf: Self.validate(defaultBackend, spec.child("defaultBackend")))
        }
        for (index, tls) in tls.enumerated() {
            for (hostIndex, host) in tls.hosts.enumerated() {
                errors.append(contentsOf: Self.validateHost(host, spec.child("tls").index(index).child("hosts").index(hostIndex)))
            }
        }
        for (index, rule) in rules.enumerated() {
            let path = spec.child("rules").index(index)
            if let host = rule.host {
                errors.append(contentsOf: Self.validateHost(host, path.child("host")))
            }
            for (pathIndex, entry) in rule.paths.enumerated() {
                let entryPath = path.child("http").child("paths").index(pathIndex)
                if let reason = Self.pathProblem(entry.path, entry.pathType) {
                    errors.append(.invalid(entryPath.child("path"), entry.path, reason))
                }
                errors.append(contentsOf: Self.validate(entry.backend, entryPath.child("backend")))
            }
        }
        return errors
    }

    static func validateHost(_ host: String, _ path: FieldPath) -> [FieldError] {
        if IPAddress(host) != nil {
            return [.invalid(path, host, "must be a DNS name, not an IP address")]
        }
        let messages = host.hasPrefix("*") ? NameRules.wildcardDNS1123Subdomain(host) : NameRules.dns1123Subdomain(host)
        return messages.map { .invalid(path, host, $0) }
    }

    /// Why a path is not valid for its type, if it is not.
    public static func pathProblem(_ path: String, _ type: IngressPath.PathType) -> String? {
        if type == .implementationSpecific {
            return path.isEmpty || path.hasPrefix("/") ? nil : "must be an absolute path"
        }
        guard path.hasPrefix("/") else { return "must be an absolute path" }
        for sequence in ["//", "/./", "/../", "%2f", "%2F"] where path.contains(sequence) {
            return "must not contain '\(sequence)'"
        }
        for suffix in ["/..", "/."] where path.hasSuffix(suffix) {
            return "cannot end with '\(suffix)'"
        }
        return nil
    }

    static func validate(_ backend: IngressBackend, _ path: FieldPath) -> [FieldError] {
        guard case .service(let name, let port) = backend else { return [] }
        var errors: [FieldError] = []
        if !name.isEmpty {
            for message in NameRules.dns1035Label(name) {
                errors.append(.invalid(path.child("service").child("name"), name, message))
            }
        }
        switch port {
        case .number(let number):
            errors.append(contentsOf: Service.validatePortNumber(number, path.child("service").child("port").child("number")))
        case .name(let portName):
            for message in NameRules.ianaServiceName(portName) {
                errors.append(.invalid(path.child("service").child("port").child("name"), portName, message))
            }
        }
        return errors
    }
}
