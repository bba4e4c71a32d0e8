import ServiceModel
import Testing

/// Every value that ends up in rule text (names in comments, addresses, interface names) is
/// checked before planning: text that could break an iptables-restore line apart — a quote,
/// a space, a newline — is an error naming the object and field, so it never reaches rules.
@Suite struct RuleTextSafetyTests {
    /// Hostile values as YAML double-quoted scalars: a quote, a space, a newline, a tab, a
    /// backslash and an option-looking tail.
    static let hostile = [#""a\"b""#, #""a b""#, #""a\nb""#, #""a\tb""#, #""a\\b""#, #""x -j ACCEPT""#]

    /// (field path in messages, YAML with `VALUE` standing for the hostile value)
    static let places: [(String, String)] = [
        ("metadata.name", service("  ports:\n  - port: 80\n", name: "VALUE")),
        ("metadata.namespace", service("  ports:\n  - port: 80\n", namespace: "VALUE")),
        ("spec.ports[0].name", service("  ports:\n  - name: VALUE\n    port: 80\n")),
        ("spec.ports[0].targetPort", service("  ports:\n  - port: 80\n    targetPort: VALUE\n")),
        ("spec.clusterIP", service("  clusterIP: VALUE\n  ports:\n  - port: 80\n")),
        ("spec.externalIPs[0]", service("  externalIPs: [VALUE]\n  ports:\n  - port: 80\n")),
        ("spec.loadBalancerSourceRanges[0]",
         service("  type: LoadBalancer\n  loadBalancerSourceRanges: [VALUE]\n  ports:\n  - port: 80\n")),
        ("status.loadBalancer.ingress[0].ip",
         service("  type: LoadBalancer\n  ports:\n  - port: 80\n", tail: "status:\n  loadBalancer:\n    ingress:\n    - ip: VALUE\n")),
        ("endpoints[0].addresses[0]", slice("endpoints:\n- addresses: [VALUE]\nports:\n- port: 8080\n")),
        ("ports[0].name", slice("endpoints: []\nports:\n- name: VALUE\n  port: 8080\n")),
    ]

    static var cases: [(String, String, String)] {
        places.flatMap { place in hostile.map { (place.0, place.1, $0) } }
    }

    @Test(arguments: cases)
    func hostileValueIsRejected(field: String, yaml: String, value: String) {
        let found = problems(yaml.replacingOccurrences(of: "VALUE", with: value))
        #expect(!found.isEmpty, "\(value) in \(field) was accepted")
        #expect(found.contains { $0.contains(": \(field)") }, "\(found)")
    }

    @Test(arguments: ["cbr 0", "cbr\"0", "cbr'0", "cbr\\0", "cbr/0", "cbr:0", "cbr\n0", ".", "..", "a-very-long-bridge"])
    func interfaceNamesFitLinuxRules(name: String) {
        let bridge = KubeProxyConfiguration(localTrafficDetector: .bridgeInterface(name)).validate()
        #expect(bridge.map(\.path.description) == ["detectLocal.bridgeInterface"])
        let prefix = KubeProxyConfiguration(localTrafficDetector: .interfaceNamePrefix(name)).validate()
        #expect(prefix.map(\.path.description) == ["detectLocal.interfaceNamePrefix"])
    }

    @Test(arguments: ["cbr0", "br-int", "veth", "eth0.100", "vxlan_sys_4789"])
    func ordinaryInterfaceNamesAreFine(name: String) {
        #expect(KubeProxyConfiguration(localTrafficDetector: .bridgeInterface(name)).validate().isEmpty)
        #expect(KubeProxyConfiguration(localTrafficDetector: .interfaceNamePrefix(name)).validate().isEmpty)
    }
}
