import ServiceModel
import Testing

@Suite struct JoinTests {
    static let api = service("  clusterIP: 10.96.0.20\n  ports:\n  - name: http\n    port: 80\n    targetPort: web\n  - name: metrics\n    port: 9090\n")

    @Test func endpointsMatchServicePortsByName() throws {
        let manifests = try load(Self.api + "\n---\n" + slice("""
            endpoints:
            - addresses: [10.244.1.7]
              nodeName: worker-1
              zone: zone-a
            - addresses: [10.244.1.10, 10.244.9.9]
              conditions: {ready: false, serving: true, terminating: true}
            ports:
            - {name: http, port: 8080}
            - {name: metrics, port: 9100}
            - {name: other, port: 1}

            """))
        let catalog = ServiceCatalog(services: manifests.services, endpointSlices: manifests.endpointSlices)
        let http = try #require(catalog[ServicePortName(service: .init(namespace: "prod", name: "api"), port: "http", protocol: .tcp)])
        // Sorted as text ("10.244.1.10:8080" < "10.244.1.7:8080"); only the first address is used.
        #expect(http.endpoints.map(\.description) == ["10.244.1.10:8080", "10.244.1.7:8080"])
        #expect(http.endpoints[0].isTerminating && http.endpoints[0].isServing && !http.endpoints[0].isReady)
        #expect(http.endpoints[1].nodeName == "worker-1" && http.endpoints[1].zone == "zone-a")
        #expect(http.port.targetPort == .name("web"))
        let metrics = try #require(catalog.servicePorts.first { $0.name.port == "metrics" })
        #expect(metrics.endpoints.map(\.port) == [9100, 9100])
        #expect(catalog.servicePorts.map(\.name.description) == ["prod/api:http", "prod/api:metrics"])
    }

    @Test func anEndpointInTwoSlicesIsKeptOnceAndTheLocalCopyWins() throws {
        let first = slice("endpoints:\n- addresses: [10.244.1.7]\n  nodeName: worker-2\nports:\n- {name: http, port: 8080}\n")
        let second = first.replacingOccurrences(of: "api-abc", with: "api-def").replacingOccurrences(of: "worker-2", with: "worker-1")
        let manifests = try load(Self.api + "\n---\n" + first + "---\n" + second)
        let plain = ServiceCatalog(services: manifests.services, endpointSlices: manifests.endpointSlices)
        #expect(plain.servicePorts[0].endpoints.map(\.nodeName) == ["worker-2"])
        let local = ServiceCatalog(services: manifests.services, endpointSlices: manifests.endpointSlices,
                                   localNodeName: "worker-1")
        #expect(local.servicePorts[0].endpoints.map(\.nodeName) == ["worker-1"])
    }

    @Test func slicesOfTheOtherFamilyAndFQDNSlicesStayApart() throws {
        let v6 = slice("endpoints:\n- addresses: [\"fd00:10:244::7\"]\nports:\n- {name: http, port: 8080}\n", addressType: "IPv6")
            .replacingOccurrences(of: "api-abc", with: "api-v6")
        let fqdn = slice("endpoints:\n- addresses: [db.example.com]\nports:\n- {name: http, port: 8080}\n", addressType: "FQDN")
            .replacingOccurrences(of: "api-abc", with: "api-fqdn")
        let manifests = try load(Self.api + "\n---\n" + v6 + "---\n" + fqdn)
        let catalog = ServiceCatalog(services: manifests.services, endpointSlices: manifests.endpointSlices)
        let http = catalog.servicePorts[0]
        #expect(http.endpoints.map(\.description) == ["[fd00:10:244::7]:8080"])
        #expect(http.endpoints(for: .ipv4).isEmpty)
    }

    @Test func legacyEndpointsGiveTheSameJoinAsSlices() throws {
        let viaSlice = try load(Self.api + "\n---\n" + slice("""
            endpoints:
            - addresses: [10.244.1.7]
              conditions: {ready: true}
              nodeName: worker-1
            - addresses: [10.244.2.8]
              conditions: {ready: false}
            ports:
            - {name: http, port: 8080}
            - {name: metrics, port: 9100}

            """))
        let viaEndpoints = try load(Self.api + "\n---\n" + """
            apiVersion: v1
            kind: Endpoints
            metadata: {name: api, namespace: prod}
            subsets:
            - addresses:
              - {ip: 10.244.1.7, nodeName: worker-1}
              notReadyAddresses:
              - ip: 10.244.2.8
              ports:
              - {name: http, port: 8080}
              - {name: metrics, port: 9100}

            """)
        let expected = ServiceCatalog(services: viaSlice.services, endpointSlices: viaSlice.endpointSlices)
        let mirrored = ServiceCatalog(services: viaEndpoints.services, endpointSlices: [], endpoints: viaEndpoints.endpoints)
        #expect(mirrored.servicePorts == expected.servicePorts)
        #expect(mirrored.endpointCount == 4)
    }

    @Test func slicesWinOverEndpointsAndSkipMirrorIsHonoured() throws {
        let endpoints = Endpoints(metadata: ObjectMeta(name: "api", namespace: "prod"),
                                  subsets: [.init(addresses: [.init(ip: "10.244.9.9")], ports: [EndpointPort(name: "http", port: 1)])])
        let manifests = try load(Self.api + "\n---\n" + slice("endpoints:\n- addresses: [10.244.1.7]\nports:\n- {name: http, port: 8080}\n"))
        let catalog = ServiceCatalog(services: manifests.services, endpointSlices: manifests.endpointSlices, endpoints: [endpoints])
        #expect(catalog.servicePorts[0].endpoints.map(\.description) == ["10.244.1.7:8080"])

        var skipped = endpoints
        skipped.metadata.labels[WellKnownLabel.skipMirror] = "true"
        #expect(skipped.mirroredSlices().isEmpty)
        #expect(endpoints.mirroredSlices().map(\.serviceName) == [NamespacedName(namespace: "prod", name: "api")])
    }

    @Test func namesOrderAndDescribeLikeKubeProxy() {
        let service = NamespacedName(namespace: "kube-system", name: "kube-dns")
        let dns = ServicePortName(service: service, port: "dns", protocol: .udp)
        let dnsTCP = ServicePortName(service: service, port: "dns-tcp", protocol: .tcp)
        let unnamed = ServicePortName(service: service, port: "", protocol: .tcp)
        #expect(dns.description == "kube-system/kube-dns:dns")
        #expect(unnamed.description == "kube-system/kube-dns")
        #expect([dnsTCP, dns, unnamed].sorted() == [unnamed, dns, dnsTCP])
    }
}
