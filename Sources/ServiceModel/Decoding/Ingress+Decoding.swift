extension Ingress {
    static func decode(_ root: YAMLNode, _ reader: inout FieldReader) -> Ingress {
        var ingress = Ingress(metadata: reader.metadata(root, namespaced: true))
        let specPath = FieldPath("spec")
        guard let spec = reader.object(root, "spec", .root) else {
            reader.record(.invalid(specPath, "{}", "either `defaultBackend` or `rules` must be specified"))
            return ingress
        }
        ingress.ingressClassName = reader.string(spec, "ingressClassName", specPath)
        if let backend = reader.object(spec, "defaultBackend", specPath) {
            ingress.defaultBackend = IngressBackend.decode(backend, specPath.child("defaultBackend"), &reader)
        }
        for (index, item) in reader.list(spec, "tls", specPath).enumerated() {
            let path = specPath.child("tls").index(index)
            guard let node = reader.object(item, path) else { continue }
            ingress.tls.append(IngressTLS(hosts: reader.strings(node, "hosts", path),
                                          secretName: reader.string(node, "secretName", path)))
        }
        for (index, item) in reader.list(spec, "rules", specPath).enumerated() {
            let path = specPath.child("rules").index(index)
            guard let node = reader.object(item, path) else { continue }
            var rule = IngressRule(host: reader.string(node, "host", path).flatMap { $0.isEmpty ? nil : $0 })
            if let http = reader.object(node, "http", path) {
                let httpPath = path.child("http")
                let items = reader.list(http, "paths", httpPath)
                if items.isEmpty { reader.record(.required(httpPath.child("paths"))) }
                for (pathIndex, pathItem) in items.enumerated() {
                    let itemPath = httpPath.child("paths").index(pathIndex)
                    guard let pathNode = reader.object(pathItem, itemPath) else { continue }
                    let pathText = reader.string(pathNode, "path", itemPath) ?? ""
                    let pathType = reader.enumeration(pathNode, "pathType", itemPath, as: IngressPath.PathType.self)
                    if pathType == nil, pathNode["pathType"] == nil || pathNode["pathType"]!.isNull {
                        reader.record(.required(itemPath.child("pathType"), "pathType must be specified"))
                    }
                    guard let backendNode = reader.object(pathNode, "backend", itemPath) else {
                        reader.record(.required(itemPath.child("backend")))
                        continue
                    }
                    guard let backend = IngressBackend.decode(backendNode, itemPath.child("backend"), &reader),
                          let pathType else { continue }
                    rule.paths.append(IngressPath(path: pathText, pathType: pathType, backend: backend))
                }
            }
            ingress.rules.append(rule)
        }
        return ingress
    }
}

extension IngressBackend {
    static func decode(_ node: YAMLNode, _ path: FieldPath, _ reader: inout FieldReader) -> IngressBackend? {
        let service = reader.object(node, "service", path)
        let resource = reader.object(node, "resource", path)
        switch (service, resource) {
        case (.some, .some):
            reader.record(.invalid(path, "service+resource", "cannot set both service and resource backends"))
            return nil
        case (nil, nil):
            reader.record(.invalid(path, "{}", "must specify exactly one of service or resource"))
            return nil
        case (let service?, nil):
            let servicePath = path.child("service")
            let name = reader.string(service, "name", servicePath) ?? ""
            if name.isEmpty { reader.record(.required(servicePath.child("name"))) }
            let portPath = servicePath.child("port")
            guard let port = reader.object(service, "port", servicePath) else {
                reader.record(.required(portPath, "port name or number is required"))
                return nil
            }
            let portName = reader.string(port, "name", portPath).flatMap { $0.isEmpty ? nil : $0 }
            let portNumber = reader.int(port, "number", portPath).flatMap { $0 == 0 ? nil : $0 }
            switch (portName, portNumber) {
            case (let portName?, nil): return .service(name: name, port: .name(portName))
            case (nil, let number?): return .service(name: name, port: .number(number))
            case (.some, .some):
                reader.record(.invalid(portPath, "name+number", "cannot set both port name & port number"))
            case (nil, nil):
                reader.record(.required(portPath, "port name or number is required"))
            }
            return nil
        case (nil, let resource?):
            let resourcePath = path.child("resource")
            let kind = reader.string(resource, "kind", resourcePath) ?? ""
            let name = reader.string(resource, "name", resourcePath) ?? ""
            if kind.isEmpty { reader.record(.required(resourcePath.child("kind"))) }
            if name.isEmpty { reader.record(.required(resourcePath.child("name"))) }
            return .resource(apiGroup: reader.string(resource, "apiGroup", resourcePath), kind: kind, name: name)
        }
    }
}

extension IngressClass {
    static func decode(_ root: YAMLNode, _ reader: inout FieldReader) -> IngressClass {
        let metadata = reader.metadata(root, namespaced: false)
        let controller = reader.object(root, "spec", .root).flatMap { reader.string($0, "controller", FieldPath("spec")) }
        return IngressClass(metadata: metadata, controller: controller ?? "")
    }

    /// Checks the class's name and controller.
    public func validate() -> [FieldError] {
        var errors = Service.validateMetadata(metadata, nameRule: NameRules.dns1123Subdomain)
        let path = FieldPath("spec", "controller")
        if controller.isEmpty {
            errors.append(.required(path))
        } else if controller.utf8.count > 250 {
            errors.append(.tooLong(path, limit: 250))
        } else if let slash = controller.firstIndex(of: "/"), slash != controller.startIndex {
            for message in NameRules.dns1123Subdomain(String(controller[..<slash])) {
                errors.append(.invalid(path, controller, "prefix part " + message))
            }
        } else {
            errors.append(.invalid(path, controller, "must be a domain-prefixed path (such as \"acme.io/foo\")"))
        }
        return errors
    }
}
