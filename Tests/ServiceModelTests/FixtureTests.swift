import Foundation
import KProxyTestSupport
import ServiceModel
import Testing

/// Every reference case decodes and validates clean, and what is read matches the files.
@Suite struct FixtureTests {
    /// The cluster files of a case (sequence cases have two states).
    static func clusterFiles(_ name: String) -> [String] {
        let directory = packageRoot + "/Fixtures/cases/" + name
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        return names.filter { $0.hasPrefix("cluster") && $0.hasSuffix(".yaml") }.sorted().map { directory + "/" + $0 }
    }

    /// Counts `kind: X` lines at the top level of a file: an oracle independent of the loader.
    static func topLevelKinds(_ path: String) throws -> [String: Int] {
        let text = try String(contentsOfFile: path, encoding: .utf8)
        var counts: [String: Int] = [:]
        for line in text.split(separator: "\n") where line.hasPrefix("kind: ") {
            counts[String(line.dropFirst(6)), default: 0] += 1
        }
        return counts
    }

    @Test func thereAreReferenceCases() {
        #expect(fixtureCases.count >= 19)
    }

    @Test(arguments: fixtureCases)
    func clusterDecodesCleanWithTheRightCounts(_ name: String) throws {
        let files = Self.clusterFiles(name)
        try #require(!files.isEmpty)
        for file in files {
            let manifests = try ManifestLoader.load(paths: [file])
            #expect(manifests.countsByKind == (try Self.topLevelKinds(file)), "\(file)")
            #expect(manifests.nodes.count == 1)
        }
    }

    @Test(arguments: fixtureCases)
    func configurationDecodesClean(_ name: String) throws {
        let config = try ManifestLoader.loadConfiguration(path: packageRoot + "/Fixtures/cases/\(name)/kube-proxy.yaml")
        #expect(config.masqueradeBit == 14 || name == "no-detector-options")
        #expect(config.hostnameOverride != nil)
    }

    @Test func configurationValuesAndDefaults() throws {
        let root = packageRoot + "/Fixtures/cases/"
        let options = try ManifestLoader.loadConfiguration(path: root + "no-detector-options/kube-proxy.yaml")
        #expect(options.masqueradeBit == 12)
        #expect(options.localhostNodePorts == false)
        #expect(options.clusterCIDRs.isEmpty)
        #expect(options.localTrafficDetector == .clusterCIDR)

        let nodePort = try ManifestLoader.loadConfiguration(path: root + "nodeport-traffic-policy/kube-proxy.yaml")
        #expect(nodePort.localTrafficDetector == .nodeCIDR)
        #expect(nodePort.nodePortAddresses == [.cidr(IPPrefix("192.168.1.0/24")!)])

        let bridge = try ManifestLoader.loadConfiguration(path: root + "external-ips/kube-proxy.yaml")
        #expect(bridge.localTrafficDetector == .bridgeInterface("cbr0"))
        let prefix = try ManifestLoader.loadConfiguration(path: root + "session-affinity/kube-proxy.yaml")
        #expect(prefix.localTrafficDetector == .interfaceNamePrefix("cali"))
        let masqueradeAll = try ManifestLoader.loadConfiguration(path: root + "internal-traffic-local/kube-proxy.yaml")
        #expect(masqueradeAll.masqueradeAll)

        let dual = try ManifestLoader.loadConfiguration(path: root + "dual-stack/kube-proxy.yaml")
        #expect(dual.clusterCIDRs.map(\.description) == ["10.244.0.0/16", "fd00:10:244::/56"])
        #expect(dual.syncPeriod == .seconds(30) && dual.minSyncPeriod == .seconds(1))
    }

    @Test func multipleSlicesAreJoinedOnceAndFQDNSlicesIgnored() throws {
        let manifests = try ManifestLoader.load(paths: Self.clusterFiles("multiple-slices"))
        let catalog = ServiceCatalog(services: manifests.services, endpointSlices: manifests.endpointSlices)
        let search = try #require(catalog.servicePorts.first { $0.name.service.name == "search" })
        let addresses = search.endpoints.map(\.address.description)
        #expect(addresses.filter { $0 == "10.244.2.61" }.count == 1)
        #expect(addresses == addresses.sorted { "\($0):\(search.endpoints[0].port)" < "\($1):\(search.endpoints[0].port)" })
        let legacy = try #require(catalog.servicePorts.first { $0.name.service.name == "legacy-db" })
        #expect(legacy.endpoints.allSatisfy { $0.address.family == .ipv4 })
        #expect(!legacy.endpoints.isEmpty)
    }

    @Test func terminatingEndpointsKeepTheirConditions() throws {
        let manifests = try ManifestLoader.load(paths: Self.clusterFiles("terminating-endpoints"))
        let catalog = ServiceCatalog(services: manifests.services, endpointSlices: manifests.endpointSlices)
        let all = catalog.servicePorts.flatMap(\.endpoints)
        #expect(all.count == 6)
        #expect(all.filter(\.isReady).count == 2)
        #expect(all.filter { $0.isServing && $0.isTerminating }.count == 3)
        #expect(all.filter { !$0.isServing }.count == 1)
    }

    @Test func skippedServicesAreNamed() throws {
        let manifests = try ManifestLoader.load(paths: Self.clusterFiles("no-endpoints-and-skipped"))
        let catalog = ServiceCatalog(services: manifests.services, endpointSlices: manifests.endpointSlices)
        #expect(catalog.skippedServices.map { "\($0.service) \($0.reason)" } == [
            "prod/billing-legacy externalName", "prod/mesh-api otherProxy", "prod/postgres headless",
        ])
        #expect(catalog.servicePorts.filter { $0.endpoints.isEmpty }.count == 2)
        #expect(manifests.services.filter(\.isProxied).map(\.metadata.name).sorted() == ["edge", "payments", "reports"])
    }

    @Test func zoneHintsAndTheNodeZoneAreKept() throws {
        let manifests = try ManifestLoader.load(paths: Self.clusterFiles("topology-hints"))
        #expect(manifests.nodes.first?.zone == "eu-west-1a")
        let catalog = ServiceCatalog(services: manifests.services, endpointSlices: manifests.endpointSlices)
        let hinted = catalog.servicePorts.flatMap(\.endpoints).filter { $0.zoneHints != nil }
        #expect(hinted.count == 10)
        #expect(manifests.services.contains { $0.trafficDistribution == .preferClose })
    }

    @Test func dualStackServicesKeepBothFamilies() throws {
        let manifests = try ManifestLoader.load(paths: Self.clusterFiles("dual-stack"))
        #expect(manifests.services.contains { $0.clusterIPs.map(\.family) == [.ipv4, .ipv6] })
        let node = try #require(manifests.nodes.first)
        #expect(node.podCIDRs.map(\.family) == [.ipv4, .ipv6])
        #expect(node.primaryIP(for: .ipv6)?.description == "2001:db8:1::11")
    }

    @Test func largeClusterJoinsEveryEndpoint() throws {
        let manifests = try ManifestLoader.load(paths: Self.clusterFiles("large-cluster"))
        let catalog = ServiceCatalog(services: manifests.services, endpointSlices: manifests.endpointSlices)
        #expect(catalog.endpointCount == 1101)
        #expect(catalog.servicePorts.count == 111)
    }
}
