@testable import NftablesBackend
import ServiceModel
import Testing

/// Chain names as kube-proxy's nftables mode makes them: the hash prefix is what its own
/// tests expect for the same service ports and endpoints.
@Suite struct NftChainNameTests {
    struct Row: Sendable, CustomTestStringConvertible {
        var service: String
        var endpoint: String?
        var base: String
        var testDescription: String { base }
    }

    static let rows: [Row] = [
        Row(service: "ns1/svc1", base: "ULMVA6XW-ns1/svc1/tcp/p80"),
        Row(service: "ns1/svc1", endpoint: "10.180.0.1", base: "5OJB2KTY-ns1/svc1/tcp/p80__10.180.0.1/80"),
        Row(service: "ns2/svc2", base: "42NFTM6N-ns2/svc2/tcp/p80"),
        Row(service: "ns2/svc2", endpoint: "10.180.0.2", base: "SGOXE6O3-ns2/svc2/tcp/p80__10.180.0.2/80"),
        Row(service: "ns3/svc3", base: "4AT6LBPK-ns3/svc3/tcp/p80"),
        Row(service: "ns3/svc3", endpoint: "10.180.0.3", base: "UEIP74TE-ns3/svc3/tcp/p80__10.180.0.3/80"),
        Row(service: "ns4/svc4", endpoint: "10.180.0.5", base: "5RFCDDV7-ns4/svc4/tcp/p80__10.180.0.5/80"),
        Row(service: "ns5/svc5", base: "HVFWP5L3-ns5/svc5/tcp/p80"),
        Row(service: "ns5/svc5", endpoint: "10.180.0.3", base: "GTK6MW7G-ns5/svc5/tcp/p80__10.180.0.3/80"),
    ]

    @Test(arguments: rows)
    func namesHashAsKubeProxysDo(_ row: Row) throws {
        let parts = row.service.split(separator: "/").map(String.init)
        let port = ServicePortName(service: NamespacedName(namespace: parts[0], name: parts[1]), port: "p80", protocol: .tcp)
        if let address = row.endpoint {
            let endpoint = ServiceEndpoint(address: try #require(IPAddress(address)), port: 80)
            #expect(NftChainName.endpoint(port, endpoint) == "endpoint-" + row.base)
            #expect(NftChainName.affinity(port, endpoint) == "affinity-" + row.base)
        } else {
            #expect(NftChainName.clusterPolicy(port) == "service-" + row.base)
            #expect(NftChainName.external(port) == "external-" + row.base)
        }
    }

    @Test func anIPv6EndpointHasDotsForColonsAndALongNameIsCut() throws {
        let port = ServicePortName(service: NamespacedName(namespace: "ns1", name: "svc1"), port: "p80", protocol: .tcp)
        let endpoint = ServiceEndpoint(address: try #require(IPAddress("fd00:10:180::1")), port: 80)
        #expect(NftChainName.endpoint(port, endpoint).hasSuffix("-ns1/svc1/tcp/p80__fd00.10.180..1/80"))
        let long = String(repeating: "n", count: 63)
        let longPort = ServicePortName(service: NamespacedName(namespace: long, name: long), port: long, protocol: .sctp)
        let wide = ServiceEndpoint(address: try #require(IPAddress("fd00:1111:2222:3333:4444:5555:6666:7777")), port: 65535)
        let name = NftChainName.endpoint(longPort, wide)
        #expect(name.utf8.count == "endpoint-".utf8.count + NftChainName.baseLengthMax)
        #expect(name.hasSuffix("..."))
    }
}
