extension Service {
    /// Checks the Service against Kubernetes' validation rules for the fields a proxy reads.
    /// Returns every problem found; an empty list means valid.
    public func validate() -> [FieldError] {
        var errors = Self.validateMetadata(metadata, nameRule: NameRules.dns1035Label)
        let spec = FieldPath("spec")

        if ports.isEmpty, type != .externalName, !isHeadless {
            errors.append(.required(spec.child("ports")))
        }
        var names: Set<String> = []
        var portKeys: Set<String> = []
        var nodePortKeys: Set<String> = []
        for (index, port) in ports.enumerated() {
            let path = spec.child("ports").index(index)
            if ports.count > 1, port.name.isEmpty {
                errors.append(.required(path.child("name")))
            } else if !port.name.isEmpty {
                for message in NameRules.dns1123Label(port.name) {
                    errors.append(.invalid(path.child("name"), port.name, message))
                }
                if !names.insert(port.name).inserted {
                    errors.append(.duplicate(path.child("name"), port.name))
                }
            }
            errors.append(contentsOf: Self.validatePortNumber(port.port, path.child("port")))
            switch port.targetPort {
            case .number(let number) where number != port.port:
                errors.append(contentsOf: Self.validatePortNumber(number, path.child("targetPort")))
            case .number:
                break  // defaulted from the port, which is checked already
            case .name(let name):
                for message in NameRules.ianaServiceName(name) {
                    errors.append(.invalid(path.child("targetPort"), name, message))
                }
            }
            if !portKeys.insert("\(port.port)/\(port.protocol.rawValue)").inserted {
                errors.append(FieldError(.duplicate, path, value: quoted("\(port.port)/\(port.protocol.rawValue)")))
            }
            if let nodePort = port.nodePort {
                if type == .clusterIP || type == .externalName {
                    errors.append(.forbidden(path.child("nodePort"), "may not be used when `type` is '\(type.rawValue)'"))
                } else {
                    errors.append(contentsOf: Self.validatePortNumber(nodePort, path.child("nodePort")))
                    let key = "\(nodePort)/\(port.protocol.rawValue)"
                    if !nodePortKeys.insert(key).inserted {
                        errors.append(FieldError(.duplicate, path.child("nodePort"), value: quoted(key)))
                    }
                }
            }
            if let appProtocol = port.appProtocol {
                for message in NameRules.qualifiedName(appProtocol) {
                    errors.append(.invalid(path.child("appProtocol"), appProtocol, message))
                }
            }
        }

        if type == .externalName {
            let name = externalName.map { $0.hasSuffix(".") ? String($0.dropLast()) : $0 } ?? ""
            if name.isEmpty {
                errors.append(.required(spec.child("externalName")))
            } else {
                for message in NameRules.dns1123Subdomain(name) {
                    errors.append(.invalid(spec.child("externalName"), externalName ?? "", message))
                }
            }
        }

        errors.append(contentsOf: validateFamilies(spec))

        for (index, address) in externalIPs.enumerated() {
            if let reason = Self.specialAddressReason(address) {
                errors.append(.invalid(spec.child("externalIPs").index(index), address.description, reason))
            }
        }

        if let policy = externalTrafficPolicy, !isExternallyAccessible {
            errors.append(.invalid(spec.child("externalTrafficPolicy"), policy.rawValue,
                                   "may only be set for externally-accessible services"))
        }
        if let healthCheckNodePort {
            if type != .loadBalancer || externalTrafficPolicy != .local {
                errors.append(.invalid(spec.child("healthCheckNodePort"), healthCheckNodePort,
                                       "may only be set when `type` is 'LoadBalancer' and `externalTrafficPolicy` is 'Local'"))
            } else {
                errors.append(contentsOf: Self.validatePortNumber(healthCheckNodePort, spec.child("healthCheckNodePort")))
            }
        }
        if !loadBalancerSourceRanges.isEmpty, type != .loadBalancer {
            errors.append(.forbidden(spec.child("loadBalancerSourceRanges"), "may only be used when `type` is 'LoadBalancer'"))
        }
        for (index, ingress) in loadBalancerIngress.enumerated() where ingress.ipMode != nil && ingress.ip == nil {
            errors.append(.forbidden(FieldPath("status", "loadBalancer", "ingress").index(index).child("ipMode"),
                                     "may not be specified when `ip` is not set"))
        }
        return errors
    }

    private func validateFamilies(_ spec: FieldPath) -> [FieldError] {
        var errors: [FieldError] = []
        if clusterIPs.count > 2 {
            errors.append(.tooMany(spec.child("clusterIPs"), count: clusterIPs.count, limit: 2))
        } else if clusterIPs.count == 2, clusterIPs[0].family == clusterIPs[1].family {
            errors.append(.invalid(spec.child("clusterIPs").index(1), clusterIPs[1].description,
                                   "may specify no more than one IP for each IP family"))
        }
        if ipFamilies.count > 2 {
            errors.append(.tooMany(spec.child("ipFamilies"), count: ipFamilies.count, limit: 2))
        } else if ipFamilies.count == 2, ipFamilies[0] == ipFamilies[1] {
            errors.append(.duplicate(spec.child("ipFamilies").index(1), ipFamilies[1].rawValue))
        }
        for (index, address) in clusterIPs.enumerated() where index < ipFamilies.count {
            if address.family != ipFamilies[index] {
                errors.append(.invalid(spec.child("clusterIPs").index(index), address.description,
                                       "expected an \(ipFamilies[index].rawValue) value as indicated by `ipFamilies[\(index)]`"))
            }
        }
        if ipFamilyPolicy == .singleStack, ipFamilies.count > 1 || clusterIPs.count > 1 {
            errors.append(.invalid(spec.child("ipFamilyPolicy"), "SingleStack",
                                   "must be RequireDualStack or PreferDualStack when multiple IP families are specified"))
        }
        return errors
    }

    static func validatePortNumber(_ port: Int, _ path: FieldPath) -> [FieldError] {
        (1...65535).contains(port) ? [] : [.invalid(path, port, "must be between 1 and 65535, inclusive")]
    }

    /// Why an address may not be an external IP (Kubernetes' "non-special IP" rule), if so.
    static func specialAddressReason(_ address: IPAddress) -> String? {
        switch address {
        case .v4(let v4):
            if v4.value == 0 { return "may not be unspecified (0.0.0.0)" }
            if v4.isLoopback { return "may not be in the loopback range (127.0.0.0/8, ::1/128)" }
            if v4.value >> 16 == 0xA9FE { return "may not be in the link-local range (169.254.0.0/16, fe80::/10)" }
            if v4.value >> 8 == 0xE00000 { return "may not be in the link-local multicast range (224.0.0.0/24, ff02::/10)" }
        case .v6(let v6):
            if v6.high == 0, v6.low == 0 { return "may not be unspecified (::)" }
            if v6.isLoopback { return "may not be in the loopback range (127.0.0.0/8, ::1/128)" }
            if v6.high >> 54 == 0x3FA { return "may not be in the link-local range (169.254.0.0/16, fe80::/10)" }
            if v6.high >> 48 == 0xFF02 { return "may not be in the link-local multicast range (224.0.0.0/24, ff02::/10)" }
        }
        return nil
    }

    /// Validates `metadata.name` with `nameRule` and, for namespaced objects, the namespace.
    static func validateMetadata(_ metadata: ObjectMeta, nameRule: (String) -> [String]) -> [FieldError] {
        var errors: [FieldError] = []
        if !metadata.name.isEmpty {
            for message in nameRule(metadata.name) {
                errors.append(.invalid(FieldPath("metadata", "name"), metadata.name, message))
            }
        }
        if !metadata.namespace.isEmpty {
            for message in NameRules.dns1123Label(metadata.namespace) {
                errors.append(.invalid(FieldPath("metadata", "namespace"), metadata.namespace, message))
            }
        }
        return errors
    }
}
