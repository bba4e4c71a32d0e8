import Foundation
import NftablesBackend
import ProxyCore
import ServiceModel

extension ConnectionRate {
    /// Connections per second to `first` and to ``target`` (the last service port), in turn,
    /// `rounds` times, through nftables mode's table of `state`: one verdict-map lookup finds
    /// either, so the two rates should match.
    func measureNftables(_ state: NftTableState, first: ServicePortEndpoints, rounds: Int) throws -> [[Double]] {
        let targets = [first, target]
        var destinations: [(address: IPAddress, port: Int)] = []
        var endpoints: [ServiceEndpoint] = []
        for target in targets {
            guard let clusterIP = target.service.clusterIP(for: .ipv4) else {
                throw BenchError("\(target.name) has no IPv4 cluster IP")
            }
            destinations.append((clusterIP, target.port.port))
            endpoints += target.endpoints(for: .ipv4)
        }
        let addresses = Array(Set(endpoints.map(\.address))).sorted()
        let ports = Set(endpoints.map(\.port)).sorted()
        return try NetworkNamespace.with(prefix: "kpx-bench") { node in
            try NetworkNamespace.with(prefix: "kpx-bench") { pod in
                try link(node: node, pod: pod, endpoints: addresses)
                let servers = try ports.map { try AcceptServer.start(port: UInt16($0), in: pod) }
                defer { servers.forEach { $0.stop() } }
                try node.inside {
                    var syncer = NftTableSyncer()
                    _ = try syncer.fullSync(state)
                }
                var rates = [[Double]](repeating: [], count: targets.count)
                let duration = self.duration
                for _ in 0..<rounds {
                    for (index, destination) in destinations.enumerated() {
                        rates[index].append(try node.inside {
                            try Self.connect(to: destination.address, port: destination.port, for: duration)
                        })
                    }
                }
                return rates
            }
        }
    }
}
