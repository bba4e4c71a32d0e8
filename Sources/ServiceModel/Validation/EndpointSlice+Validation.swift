extension EndpointSlice {
    static let maxEndpoints = 1000
    static let maxAddresses = 100
    static let maxPorts = 100
    static let maxZoneHints = 8

    /// Checks the slice against Kubernetes' EndpointSlice rules, and that it names its
    /// Service: a slice without the `kubernetes.io/service-name` label serves nothing.
    public func validate() -> [FieldError] {
        var errors = Service.validateMetadata(metadata, nameRule: NameRules.dns1123Subdomain)
        if serviceName == nil {
            errors.append(.required(FieldPath("metadata", "labels").key(WellKnownLabel.serviceName),
                                    "an EndpointSlice must name its Service; without it no proxy uses the slice"))
        } else if let name = metadata.labels[WellKnownLabel.serviceName] {
            for message in NameRules.dns1035Label(name) {
                errors.append(.invalid(FieldPath("metadata", "labels").key(WellKnownLabel.serviceName), name, message))
            }
        }
        if endpoints.count > Self.maxEndpoints {
            errors.append(.tooMany(FieldPath("endpoints"), count: endpoints.count, limit: Self.maxEndpoints))
        }
        for (index, endpoint) in endpoints.enumerated() {
            let path = FieldPath("endpoints").index(index)
            if endpoint.addresses.isEmpty {
                errors.append(.required(path.child("addresses"), "must contain at least 1 address"))
            } else if endpoint.addresses.count > Self.maxAddresses {
                errors.append(.tooMany(path.child("addresses"), count: endpoint.addresses.count, limit: Self.maxAddresses))
            }
            for (addressIndex, address) in endpoint.addresses.enumerated() {
                if let reason = addressProblem(address) {
                    errors.append(.invalid(path.child("addresses").index(addressIndex), address, reason))
                }
            }
            if let nodeName = endpoint.nodeName {
                for message in NameRules.dns1123Subdomain(nodeName) {
                    errors.append(.invalid(path.child("nodeName"), nodeName, message))
                }
            }
            if let hints = endpoint.hints, hints.forZones.count > Self.maxZoneHints {
                errors.append(.tooMany(path.child("hints").child("forZones"), count: hints.forZones.count,
                                       limit: Self.maxZoneHints))
            }
        }
        if ports.count > Self.maxPorts {
            errors.append(.tooMany(FieldPath("ports"), count: ports.count, limit: Self.maxPorts))
        }
        errors += EndpointPort.validate(ports, at: FieldPath("ports"), namesRequired: false, portRequired: false)
        return errors
    }

    private func addressProblem(_ address: String) -> String? {
        switch addressType {
        case .fqdn:
            return NameRules.dns1123Subdomain(address).first
        case .ipv4, .ipv6:
            guard let parsed = IPAddress(address) else { return FieldReader.ipMessage }
            if parsed.family != addressType.family {
                return "must be an \(addressType.rawValue) address"
            }
            return nil
        }
    }
}

extension EndpointPort {
    /// Checks a list of ports: names are DNS labels and unique, numbers in range. Legacy
    /// Endpoints also need a name on every port of a multi-port subset, and a number.
    static func validate(_ ports: [EndpointPort], at path: FieldPath, namesRequired: Bool,
                         portRequired: Bool) -> [FieldError] {
        var errors: [FieldError] = []
        var names: Set<String> = []
        for (index, port) in ports.enumerated() {
            let portPath = path.index(index)
            if namesRequired, ports.count > 1, port.name.isEmpty {
                errors.append(.required(portPath.child("name")))
            } else if !port.name.isEmpty {
                for message in NameRules.dns1123Label(port.name) {
                    errors.append(.invalid(portPath.child("name"), port.name, message))
                }
            }
            if !names.insert(port.name).inserted {
                errors.append(.duplicate(portPath.child("name"), port.name))
            }
            if let number = port.port {
                errors.append(contentsOf: Service.validatePortNumber(number, portPath.child("port")))
            } else if portRequired {
                errors.append(.required(portPath.child("port")))
            }
        }
        return errors
    }
}
