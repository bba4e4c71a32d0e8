import IptablesBackend
import KProxyTestSupport
import ProxyCore
import ServiceModel
import Testing

/// Corners of kube-proxy's behaviour that the reference cases do not reach, each stated as
/// the rules it must (or must not) produce.
@Suite struct PlannerBehaviourTests {
    static let endpoints = sliceYAML("web", endpoints: ["10.244.1.5@node-a", "10.244.2.5@node-b"])

    /// A LoadBalancer `prod/web` with two ingress IPs, the second `ipMode: Proxy`.
    static func loadBalancer(sourceRanges: String = "", externalLocal: Bool = false) -> String {
        serviceYAML("web", spec: """
            type: LoadBalancer
            clusterIP: 172.30.0.10
            externalTrafficPolicy: \(externalLocal ? "Local" : "Cluster")
            \(sourceRanges.isEmpty ? "" : "loadBalancerSourceRanges: [\(sourceRanges)]")
            ports:
            - {name: http, port: 80, targetPort: 8080, nodePort: 30080}
            """, status: """
            status:
              loadBalancer:
                ingress:
                - ip: 203.0.113.10
                - ip: 203.0.113.11
                  ipMode: Proxy
            """) + "\n" + endpoints
    }

    static let web = ServicePortName(service: NamespacedName(namespace: "prod", name: "web"), port: "http", protocol: .tcp)

    @Test func proxyModeIngressIPsAreSkipped() throws {
        let text = try plannedText(Self.loadBalancer())
        let services = rules(of: "KUBE-SERVICES", in: text)
        #expect(services.contains { $0.contains("-d 203.0.113.10 ") })
        #expect(!text.contains("203.0.113.11"))
    }

    @Test func proxyModeIngressIPsAreKeptWithTheGateOff() throws {
        let configuration = KubeProxyConfiguration(clusterCIDRs: testClusterCIDRs, featureGates: ["LoadBalancerIPMode": false])
        let text = try plannedText(Self.loadBalancer(), configuration: configuration)
        #expect(rules(of: "KUBE-SERVICES", in: text).contains {
            $0 == "-m comment --comment \"prod/web:http loadbalancer IP\" -m tcp -p tcp -d 203.0.113.11 --dport 80 -j \(ChainName.external(Self.web))"
        })
    }

    @Test func sourceRangesAllowListedClientsAndDropTheRest() throws {
        let text = try plannedText(Self.loadBalancer(sourceRanges: "198.51.100.0/24, 2001:db8::/32"))
        let firewall = ChainName.firewall(Self.web)
        #expect(rules(of: firewall.description, in: text) == [
            "-m comment --comment \"prod/web:http loadbalancer IP\" -s 198.51.100.0/24 -j \(ChainName.external(Self.web))",
            "-m comment --comment \"other traffic to prod/web:http will be dropped by KUBE-PROXY-FIREWALL\"",
        ])
        #expect(rules(of: "KUBE-PROXY-FIREWALL", in: text) == [
            "-m comment --comment \"prod/web:http traffic not accepted by \(firewall)\" -m tcp -p tcp -d 203.0.113.10 --dport 80 -j DROP",
        ])
    }

    @Test func sourceRangeHoldingTheNodeIPAllowsTrafficFromTheVIP() throws {
        // The node's primary IP is 10.0.0.1: in 10.0.0.0/8.
        let text = try plannedText(Self.loadBalancer(sourceRanges: "10.0.0.0/8"))
        #expect(rules(of: ChainName.firewall(Self.web).description, in: text).contains {
            $0.contains("-s 203.0.113.10 -j \(ChainName.external(Self.web))")
        })
    }

    @Test func bindAddressIsTheNodeIPForSourceRanges() throws {
        // The primary IP 10.0.0.1 is outside 10.0.5.0/24; the bind address is inside.
        let range = "10.0.5.0/24"
        let outside = try plannedText(Self.loadBalancer(sourceRanges: range))
        #expect(!outside.contains("-s 203.0.113.10 "))
        let configuration = KubeProxyConfiguration(bindAddress: IPAddress("10.0.5.9"), clusterCIDRs: testClusterCIDRs)
        let inside = try plannedText(Self.loadBalancer(sourceRanges: range), configuration: configuration)
        #expect(inside.contains("-s 203.0.113.10 -j \(ChainName.external(Self.web))"))
        // An unspecified bind address (0.0.0.0, the default) falls back to the primary IP.
        let unspecified = KubeProxyConfiguration(bindAddress: IPAddress("0.0.0.0"), clusterCIDRs: testClusterCIDRs)
        #expect(!(try plannedText(Self.loadBalancer(sourceRanges: range), configuration: unspecified)).contains("-s 203.0.113.10 "))
    }

    @Test func sourceRangesOfTheOtherFamilyOnlyMeanNoFiltering() throws {
        let text = try plannedText(Self.loadBalancer(sourceRanges: "2001:db8::/32"))
        #expect(!text.contains("KUBE-FW-"))
        #expect(rules(of: "KUBE-PROXY-FIREWALL", in: text).isEmpty)
        #expect(rules(of: "KUBE-SERVICES", in: text).contains {
            $0.contains("-d 203.0.113.10 --dport 80 -j \(ChainName.external(Self.web))")
        })
    }

    static let nodePortTail = "-m comment --comment \"kubernetes service nodeports; NOTE: this must be the last rule in this chain\""

    static let twoAddressNode = ProxyNode(name: "node-a", addresses: [IPAddress("10.0.0.1")!, IPAddress("10.0.0.2")!,
                                                                      IPAddress("fd00::1")!])

    @Test(arguments: [
        // (nodePortAddresses, localhostNodePorts, family, KUBE-SERVICES tail)
        ([String](), true, IPFamily.ipv4, ["-m addrtype --dst-type LOCAL -j KUBE-NODEPORTS"]),
        ([], false, .ipv4, ["-m addrtype --dst-type LOCAL ! -d 127.0.0.0/8 -j KUBE-NODEPORTS"]),
        ([], true, .ipv6, ["-m addrtype --dst-type LOCAL ! -d ::1/128 -j KUBE-NODEPORTS"]),
        (["primary"], true, .ipv4, ["-d 10.0.0.1 -j KUBE-NODEPORTS"]),
        (["10.0.0.0/24"], true, .ipv4, ["-d 10.0.0.1 -j KUBE-NODEPORTS", "-d 10.0.0.2 -j KUBE-NODEPORTS"]),
        (["10.0.0.2/32", "fd00::/64"], true, .ipv4, ["-d 10.0.0.2 -j KUBE-NODEPORTS"]),
        (["10.0.0.2/32", "fd00::/64"], true, .ipv6, ["-d fd00::1 -j KUBE-NODEPORTS"]),
        (["127.0.0.0/8"], true, .ipv4, ["-d 127.0.0.1 -j KUBE-NODEPORTS"]),
        (["127.0.0.0/8"], false, .ipv4, []),
        (["0.0.0.0/0"], true, .ipv4, ["-m addrtype --dst-type LOCAL -j KUBE-NODEPORTS"]),
        (["fd00::/64"], true, .ipv4, ["-m addrtype --dst-type LOCAL -j KUBE-NODEPORTS"]),
    ])
    func nodePortAddressesPickTheTailRules(addresses: [String], localhost: Bool, family: IPFamily, tail: [String]) throws {
        let entries: [KubeProxyConfiguration.NodePortAddress] = addresses.map { $0 == "primary" ? .primary : .cidr(IPPrefix($0)!) }
        let configuration = KubeProxyConfiguration(clusterCIDRs: testClusterCIDRs, localhostNodePorts: localhost,
                                                   nodePortAddresses: entries)
        let text = try plannedText("", configuration: configuration, node: Self.twoAddressNode, family: family)
        #expect(rules(of: "KUBE-SERVICES", in: text).filter { $0.hasSuffix("-j KUBE-NODEPORTS") }
                == tail.map { Self.nodePortTail + " " + $0 })
    }

    @Test(arguments: [(true, true), (true, false), (false, true)])
    func localhostNodePortsNeedTheMartianGuard(localhost: Bool, ipv4: Bool) throws {
        let configuration = KubeProxyConfiguration(clusterCIDRs: testClusterCIDRs, localhostNodePorts: localhost)
        let text = try plannedText("", configuration: configuration, family: ipv4 ? .ipv4 : .ipv6)
        let guarded = rules(of: "KUBE-FIREWALL", in: text).contains { $0.contains("! -s 127.0.0.0/8") && $0.hasSuffix("-j DROP") }
        #expect(guarded == (localhost && ipv4))
    }

    @Test func hostFeaturesDecideInvalidDropAndRandomFully() throws {
        let plain = try plannedText("", host: HostFeatures(dropInvalidConntrack: false, masqueradeRandomFully: false))
        #expect(!plain.contains("INVALID"))
        #expect(rules(of: "KUBE-POSTROUTING", in: plain).last?.hasSuffix("-j MASQUERADE") == true)
        let full = try plannedText("")
        #expect(rules(of: "KUBE-FORWARD", in: full).first == "-m conntrack --ctstate INVALID -j DROP")
        #expect(rules(of: "KUBE-POSTROUTING", in: full).last?.hasSuffix("-j MASQUERADE --random-fully") == true)
    }

    @Test(arguments: [(14, "0x00004000"), (0, "0x00000001"), (31, "0x80000000")])
    func masqueradeBitSetsTheMark(bit: Int, mark: String) throws {
        let text = try plannedText("", configuration: KubeProxyConfiguration(masqueradeBit: bit))
        #expect(rules(of: "KUBE-MARK-MASQ", in: text) == ["-j MARK --or-mark \(mark)"])
        #expect(rules(of: "KUBE-POSTROUTING", in: text).first == "-m mark ! --mark \(mark)/\(mark) -j RETURN")
    }

    static let clusterIP = serviceYAML("web", spec: "clusterIP: 172.30.0.10\nports:\n- {name: http, port: 80, targetPort: 8080}")
        + "\n" + endpoints

    @Test(arguments: [
        (KubeProxyConfiguration.LocalTrafficDetector.clusterCIDR, "! -s 10.244.0.0/16"),
        (.nodeCIDR, "! -s 10.244.1.0/24"),
        (.bridgeInterface("cbr0"), "! -i cbr0"),
        (.interfaceNamePrefix("veth"), "! -i veth+"),
    ])
    func detectorsMasqueradeOffClusterTraffic(detector: KubeProxyConfiguration.LocalTrafficDetector, match: String) throws {
        let configuration = KubeProxyConfiguration(clusterCIDRs: testClusterCIDRs, localTrafficDetector: detector)
        let text = try plannedText(Self.clusterIP, configuration: configuration)
        #expect(rules(of: ChainName.service(Self.web).description, in: text).first
                == "-m comment --comment \"prod/web:http cluster IP\" -m tcp -p tcp -d 172.30.0.10 --dport 80 \(match) -j KUBE-MARK-MASQ")
    }

    @Test func noDetectorMeansNoSourceBasedMasquerade() throws {
        let text = try plannedText(Self.clusterIP, configuration: KubeProxyConfiguration())
        #expect(!rules(of: ChainName.service(Self.web).description, in: text).contains { $0.hasSuffix("-j KUBE-MARK-MASQ") })
    }

    @Test func masqueradeAllMarksEveryClusterIPPacket() throws {
        let configuration = KubeProxyConfiguration(clusterCIDRs: testClusterCIDRs, masqueradeAll: true)
        let text = try plannedText(Self.clusterIP, configuration: configuration)
        #expect(rules(of: ChainName.service(Self.web).description, in: text).first
                == "-m comment --comment \"prod/web:http cluster IP\" -m tcp -p tcp -d 172.30.0.10 --dport 80 -j KUBE-MARK-MASQ")
    }

    static func nodeHinted(distribution: String = "PreferSameNode") -> String {
        serviceYAML("web", spec: "clusterIP: 172.30.0.10\ntrafficDistribution: \(distribution)\nports:\n- {name: http, port: 80, targetPort: 8080}")
            + """

            ---
            apiVersion: discovery.k8s.io/v1
            kind: EndpointSlice
            addressType: IPv4
            metadata: {name: web-1, namespace: prod, labels: {kubernetes.io/service-name: web}}
            endpoints:
            - addresses: [10.244.1.5]
              conditions: {ready: true}
              nodeName: node-a
              zone: zone-a
              hints: {forZones: [{name: zone-a}], forNodes: [{name: node-a}]}
            - addresses: [10.244.2.5]
              conditions: {ready: true}
              nodeName: node-b
              zone: zone-a
              hints: {forZones: [{name: zone-a}], forNodes: [{name: node-b}]}
            ports:
            - {name: http, port: 8080, protocol: TCP}
            """
    }

    static func endpointJumps(_ text: String) -> [String] {
        rules(of: ChainName.service(web).description, in: text).filter { $0.contains("-j KUBE-SEP-") }
    }

    @Test func nodeHintsKeepTrafficOnTheNode() throws {
        let hinted = try plannedText(Self.nodeHinted())
        #expect(Self.endpointJumps(hinted).count == 1)
        #expect(Self.endpointJumps(hinted).first?.contains("-> 10.244.1.5:8080") == true)
        // Without the gate, the zone hints (both zone-a) apply: both endpoints.
        let gateOff = KubeProxyConfiguration(clusterCIDRs: testClusterCIDRs, featureGates: ["PreferSameTrafficDistribution": false])
        #expect(Self.endpointJumps(try plannedText(Self.nodeHinted(), configuration: gateOff)).count == 2)
    }

    @Test func hintsForAnotherZoneFallBackToAllEndpoints() throws {
        let node = ProxyNode(name: "node-c", zone: "zone-c", addresses: [IPAddress("10.0.0.3")!])
        #expect(Self.endpointJumps(try plannedText(Self.nodeHinted(), node: node)).count == 2)
    }

    @Test func clientIPAffinityRemembersEachEndpoint() throws {
        let yaml = serviceYAML("web", spec: """
            clusterIP: 172.30.0.10
            sessionAffinity: ClientIP
            sessionAffinityConfig: {clientIP: {timeoutSeconds: 600}}
            ports:
            - {name: http, port: 80, targetPort: 8080}
            """) + "\n" + Self.endpoints
        let text = try plannedText(yaml)
        let first = ChainName.endpoint(Self.web, "10.244.1.5:8080")
        #expect(rules(of: ChainName.service(Self.web).description, in: text).contains(
            "-m comment --comment \"prod/web:http -> 10.244.1.5:8080\" -m recent --name \(first) --rcheck --seconds 600 --reap -j \(first)"))
        #expect(rules(of: first.description, in: text).last
                == "-m comment --comment prod/web:http -m recent --name \(first) --set -m tcp -p tcp -j DNAT --to-destination 10.244.1.5:8080")
    }

    @Test func ipv6EndpointsAreBracketedInDNAT() throws {
        let yaml = serviceYAML("web", spec: "clusterIP: fd00:30::a\nipFamilies: [IPv6]\nports:\n- {name: http, port: 80, targetPort: 8080}")
            + "\n" + sliceYAML("web", addressType: "IPv6", endpoints: ["fd00:10:244:1::5@node-a"])
        let text = try plannedText(yaml, family: .ipv6)
        #expect(text.contains("-j DNAT --to-destination [fd00:10:244:1::5]:8080\n"))
        #expect(text.contains("-d fd00:30::a --dport 80"))
    }

    @Test func theOtherFamilyPlansNoServiceRules() throws {
        let text = try plannedText(Self.clusterIP, family: .ipv6)
        #expect(!text.contains("prod/web"))
    }
}
