extension Service {
    /// Decodes a v1 Service, recording type and syntax errors in `reader`. Kubernetes'
    /// API defaults are applied: namespace `default`, type ClusterIP, protocol TCP,
    /// targetPort = port, externalTrafficPolicy Cluster for NodePort and LoadBalancer,
    /// internalTrafficPolicy Cluster, ClientIP timeout 10800.
    static func decode(_ root: YAMLNode, _ reader: inout FieldReader) -> Service {
        let metadata = reader.metadata(root, namespaced: true)
        var service = Service(metadata: metadata)
        let spec = reader.object(root, "spec", .root) ?? YAMLNode(content: .mapping([]), line: root.line, column: 1)
        let specPath = FieldPath("spec")

        service.type = reader.enumeration(spec, "type", specPath, as: ServiceType.self) ?? .clusterIP
        service.selector = reader.stringMap(spec, "selector", specPath)

        // clusterIP / clusterIPs: "None" marks a headless service, "" an unallocated one.
        let clusterIP = reader.string(spec, "clusterIP", specPath)
        var clusterIPTexts = reader.strings(spec, "clusterIPs", specPath)
        if let clusterIP, !clusterIP.isEmpty {
            if clusterIPTexts.isEmpty {
                clusterIPTexts = [clusterIP]
            } else if clusterIPTexts[0] != clusterIP {
                reader.record(.invalid(specPath.child("clusterIPs").index(0), clusterIPTexts[0],
                                       "must match `clusterIP` (\(quoted(clusterIP)))"))
            }
        }
        if clusterIPTexts.first == "None" {
            service.isHeadless = true
            if clusterIPTexts.count > 1 {
                reader.record(.invalid(specPath.child("clusterIPs").index(1), clusterIPTexts[1],
                                       "must not be set when clusterIPs[0] is 'None'"))
            }
            if service.type == .nodePort || service.type == .loadBalancer {
                reader.record(.invalid(specPath.child("clusterIPs").index(0), "None",
                                       "may not be set to 'None' for \(service.type.rawValue) services"))
            }
        } else {
            for (index, text) in clusterIPTexts.enumerated() where !text.isEmpty {
                if let address = reader.ipAddress(text, specPath.child("clusterIPs").index(index)) {
                    service.clusterIPs.append(address)
                }
            }
        }

        for (index, item) in reader.strings(spec, "ipFamilies", specPath).enumerated() {
            if let family = IPFamily(rawValue: item) {
                service.ipFamilies.append(family)
            } else {
                reader.record(.unsupported(specPath.child("ipFamilies").index(index), item,
                                           supported: IPFamily.allCases.map(\.rawValue)))
            }
        }
        service.ipFamilyPolicy = reader.enumeration(spec, "ipFamilyPolicy", specPath)

        let portsPath = specPath.child("ports")
        for (index, item) in reader.list(spec, "ports", specPath).enumerated() {
            guard let node = reader.object(item, portsPath.index(index)) else { continue }
            if let port = ServicePort.decode(node, portsPath.index(index), &reader) {
                service.ports.append(port)
            }
        }

        for (index, text) in reader.strings(spec, "externalIPs", specPath).enumerated() {
            if let address = reader.ipAddress(text, specPath.child("externalIPs").index(index)) {
                service.externalIPs.append(address)
            }
        }
        service.externalName = reader.string(spec, "externalName", specPath)

        for (index, text) in reader.strings(spec, "loadBalancerSourceRanges", specPath).enumerated() {
            let trimmed = text.trimmingASCIIWhitespace()
            if let prefix = reader.ipPrefix(trimmed, specPath.child("loadBalancerSourceRanges").index(index)) {
                service.loadBalancerSourceRanges.append(prefix)
            }
        }

        let affinity = reader.enumeration(spec, "sessionAffinity", specPath, as: SessionAffinityName.self) ?? .none
        let timeoutPath = specPath.child("sessionAffinityConfig").child("clientIP")
        var timeout: Int?
        if let config = reader.object(spec, "sessionAffinityConfig", specPath) {
            if let clientIP = reader.object(config, "clientIP", specPath.child("sessionAffinityConfig")) {
                timeout = reader.int(clientIP, "timeoutSeconds", timeoutPath)
            }
            if affinity == .none {
                reader.record(.invalid(specPath.child("sessionAffinityConfig"), "clientIP",
                                       "must not be set when session affinity is None"))
            }
        }
        if affinity == .clientIP {
            let seconds = timeout ?? SessionAffinity.defaultTimeoutSeconds
            if seconds <= 0 || seconds > 86400 {
                reader.record(.invalid(timeoutPath.child("timeoutSeconds"), seconds,
                                       "must be greater than 0 and less than 86400"))
            }
            service.sessionAffinity = .clientIP(timeoutSeconds: seconds)
        }

        service.externalTrafficPolicy = reader.enumeration(spec, "externalTrafficPolicy", specPath)
        if service.externalTrafficPolicy == nil, service.isExternallyAccessible {
            service.externalTrafficPolicy = .cluster
        }
        service.internalTrafficPolicy = reader.enumeration(spec, "internalTrafficPolicy", specPath) ?? .cluster
        service.healthCheckNodePort = reader.int(spec, "healthCheckNodePort", specPath)
        service.trafficDistribution = reader.enumeration(spec, "trafficDistribution", specPath)

        let ingressPath = FieldPath("status", "loadBalancer", "ingress")
        if let status = reader.object(root, "status", .root),
           let loadBalancer = reader.object(status, "loadBalancer", FieldPath("status")) {
            for (index, item) in reader.list(loadBalancer, "ingress", FieldPath("status", "loadBalancer")).enumerated() {
                let path = ingressPath.index(index)
                guard let node = reader.object(item, path) else { continue }
                var ingress = LoadBalancerIngress()
                if let ip = reader.string(node, "ip", path), !ip.isEmpty {
                    ingress.ip = reader.ipAddress(ip, path.child("ip"))
                }
                ingress.hostname = reader.string(node, "hostname", path)
                ingress.ipMode = reader.enumeration(node, "ipMode", path)
                service.loadBalancerIngress.append(ingress)
            }
        }
        return service
    }

    /// The spelling of `sessionAffinity` values.
    private enum SessionAffinityName: String, CaseIterable {
        case none = "None"
        case clientIP = "ClientIP"
    }
}

extension ServicePort {
    static func decode(_ node: YAMLNode, _ path: FieldPath, _ reader: inout FieldReader) -> ServicePort? {
        let errorsBefore = reader.errors.count
        let name = reader.string(node, "name", path) ?? ""
        let proto = reader.enumeration(node, "protocol", path, as: L4Protocol.self) ?? .tcp
        guard let port = reader.int(node, "port", path) else {
            if reader.errors.count == errorsBefore { reader.record(.required(path.child("port"))) }
            return nil
        }
        var targetPort = TargetPort.number(port)
        if let target = node["targetPort"], !target.isNull, let scalar = target.scalar {
            switch scalar.resolved {
            case .int(let number): targetPort = .number(number == 0 ? port : number)
            default:
                // A quoted number is a name as far as the API is concerned; validation rejects it.
                targetPort = scalar.text.isEmpty ? .number(port) : .name(scalar.text)
            }
        } else if let target = node["targetPort"], !target.isNull {
            reader.record(FieldError(.invalid, path.child("targetPort"), value: target.typeName == "object" ? "{...}" : "[...]",
                                     "must be of type integer or string"))
        }
        return ServicePort(name: name, protocol: proto, port: port, targetPort: targetPort,
                           nodePort: reader.int(node, "nodePort", path).flatMap { $0 == 0 ? nil : $0 },
                           appProtocol: reader.string(node, "appProtocol", path))
    }
}

extension StringProtocol {
    /// The text without leading and trailing spaces, tabs and line breaks.
    func trimmingASCIIWhitespace() -> String {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" }
        guard let start = firstIndex(where: { !isSpace($0) }), let end = lastIndex(where: { !isSpace($0) }) else {
            return ""
        }
        return String(self[start...end])
    }
}
