extension KubeProxyConfiguration {
    static let knownFields: Set<String> = [
        "apiVersion", "kind", "featureGates", "clientConnection", "logging", "hostnameOverride", "bindAddress",
        "healthzBindAddress", "metricsBindAddress", "bindAddressHardFail", "enableProfiling",
        "showHiddenMetricsForVersion", "mode", "iptables", "ipvs", "nftables", "winkernel", "detectLocalMode",
        "detectLocal", "clusterCIDR", "nodePortAddresses", "oomScoreAdj", "conntrack", "configSyncPeriod",
        "portRange", "windowsRunAsService", "linux", "windows", "syncPeriod", "minSyncPeriod",
    ]
    static let knownIptablesFields: Set<String> = [
        "masqueradeAll", "masqueradeBit", "localhostNodePorts", "syncPeriod", "minSyncPeriod",
    ]
    static let knownDetectLocalFields: Set<String> = ["bridgeInterface", "interfaceNamePrefix"]
    static let knownClientConnectionFields: Set<String> = ["kubeconfig", "qps", "burst", "contentType", "acceptContentTypes"]

    /// The `mode` values this tool implements.
    static let supportedModes = KubeProxyConfiguration.ProxyMode.allCases.map(\.rawValue)

    /// Decodes a KubeProxyConfiguration strictly, as kube-proxy does: unknown fields are
    /// errors (a misspelt field would otherwise be silently ignored).
    static func decode(_ root: YAMLNode, _ reader: inout FieldReader) -> KubeProxyConfiguration {
        var config = KubeProxyConfiguration()
        checkFields(root, known: knownFields, .root, &reader)

        if let mode = reader.string(root, "mode", .root), !mode.isEmpty {
            if let known = KubeProxyConfiguration.ProxyMode(rawValue: mode) {
                config.mode = known
            } else {
                reader.record(.unsupported(FieldPath("mode"), mode, supported: supportedModes))
            }
        }
        if let hostname = reader.string(root, "hostnameOverride", .root), !hostname.isEmpty {
            config.hostnameOverride = hostname.trimmingASCIIWhitespace().lowercased()
        }
        if let bind = reader.string(root, "bindAddress", .root), !bind.isEmpty {
            config.bindAddress = reader.ipAddress(bind, FieldPath("bindAddress"))
        }
        if let cidrs = reader.string(root, "clusterCIDR", .root), !cidrs.isEmpty {
            for text in cidrs.split(separator: ",") {
                let trimmed = text.trimmingASCIIWhitespace()
                if let prefix = reader.ipPrefix(trimmed, FieldPath("clusterCIDR")) {
                    config.clusterCIDRs.append(prefix)
                }
            }
        }

        let detectPath = FieldPath("detectLocal")
        var bridge = ""
        var prefix = ""
        if let detect = reader.object(root, "detectLocal", .root) {
            checkFields(detect, known: knownDetectLocalFields, detectPath, &reader)
            bridge = reader.string(detect, "bridgeInterface", detectPath) ?? ""
            prefix = reader.string(detect, "interfaceNamePrefix", detectPath) ?? ""
        }
        let modes = ["BridgeInterface", "ClusterCIDR", "InterfaceNamePrefix", "NodeCIDR"]
        switch reader.string(root, "detectLocalMode", .root) ?? "" {
        case "", "ClusterCIDR": config.localTrafficDetector = .clusterCIDR
        case "NodeCIDR": config.localTrafficDetector = .nodeCIDR
        case "BridgeInterface": config.localTrafficDetector = .bridgeInterface(bridge)
        case "InterfaceNamePrefix": config.localTrafficDetector = .interfaceNamePrefix(prefix)
        case let other: reader.record(.unsupported(FieldPath("detectLocalMode"), other, supported: modes))
        }

        let iptablesPath = FieldPath("iptables")
        if let iptables = reader.object(root, "iptables", .root) {
            checkFields(iptables, known: knownIptablesFields, iptablesPath, &reader)
            config.masqueradeAll = reader.bool(iptables, "masqueradeAll", iptablesPath) ?? false
            config.masqueradeBit = reader.int(iptables, "masqueradeBit", iptablesPath) ?? defaultMasqueradeBit
            config.localhostNodePorts = reader.bool(iptables, "localhostNodePorts", iptablesPath) ?? true
            if let period = duration(iptables, "syncPeriod", iptablesPath, &reader) { config.syncPeriod = period }
            if let period = duration(iptables, "minSyncPeriod", iptablesPath, &reader) { config.minSyncPeriod = period }
        }
        if let linux = reader.object(root, "linux", .root), reader.bool(linux, "masqueradeAll", FieldPath("linux")) == true {
            config.masqueradeAll = true
        }
        if let period = duration(root, "syncPeriod", .root, &reader) { config.syncPeriod = period }
        if let period = duration(root, "minSyncPeriod", .root, &reader) { config.minSyncPeriod = period }

        for (index, text) in reader.strings(root, "nodePortAddresses", .root).enumerated() {
            if text == "primary" {
                config.nodePortAddresses.append(.primary)
            } else if let prefix = reader.ipPrefix(text, FieldPath("nodePortAddresses").index(index)) {
                config.nodePortAddresses.append(.cidr(prefix))
            }
        }
        let connectionPath = FieldPath("clientConnection")
        if let connection = reader.object(root, "clientConnection", .root) {
            checkFields(connection, known: knownClientConnectionFields, connectionPath, &reader)
            if let path = reader.string(connection, "kubeconfig", connectionPath), !path.isEmpty {
                config.clientConnection.kubeconfig = path
            }
            if let node = connection["qps"], !node.isNull, let scalar = node.scalar {
                switch scalar.resolved {
                case .int(let value): config.clientConnection.qps = Double(value)
                case .float(let value): config.clientConnection.qps = value
                default: reader.record(.invalid(connectionPath.child("qps"), scalar.rendered, "must be of type number"))
                }
            }
            config.clientConnection.burst = reader.int(connection, "burst", connectionPath) ?? config.clientConnection.burst
        }
        for (key, keyPath) in [("healthzBindAddress", \KubeProxyConfiguration.healthzBindAddress),
                               ("metricsBindAddress", \KubeProxyConfiguration.metricsBindAddress)] {
            guard let text = reader.string(root, key, .root), !text.isEmpty else { continue }
            if BindAddress(text) == nil {
                reader.record(.invalid(FieldPath(key), text, "must be IP:port (e.g. 0.0.0.0:10256)"))
            } else {
                config[keyPath: keyPath] = text
            }
        }
        if let gates = reader.object(root, "featureGates", .root) {
            for entry in gates.mappingEntries ?? [] {
                if let value = reader.bool(gates, entry.key, FieldPath("featureGates")) {
                    config.featureGates[entry.key] = value
                }
            }
        }
        return config
    }

    private static func duration(_ parent: YAMLNode, _ key: String, _ path: FieldPath,
                                 _ reader: inout FieldReader) -> Duration? {
        guard let text = reader.string(parent, key, path), !text.isEmpty else { return nil }
        if let duration = parseGoDuration(text) { return duration }
        reader.record(.invalid(path.child(key), text, "must be a duration such as \"30s\" or \"1m0s\""))
        return nil
    }

    private static func checkFields(_ node: YAMLNode, known: Set<String>, _ path: FieldPath, _ reader: inout FieldReader) {
        for entry in node.mappingEntries ?? [] where !known.contains(entry.key) {
            reader.record(FieldError(.notFound, path.child(entry.key), value: quoted(entry.key),
                                     "unknown field; known fields are " + known.sorted().joined(separator: ", ")))
        }
    }
}
