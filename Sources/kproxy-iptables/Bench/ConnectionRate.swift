import Foundation
import IptablesBackend
import ProxyCore
import ServiceModel
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// Measures how fast new TCP connections to one service are set up through the installed
/// rules: a node namespace holds the ruleset, a pod namespace behind a veth link holds the
/// service's endpoint addresses and a server that accepts and closes, and a client on the
/// node connects to the service's cluster IP as fast as it can. Only a connection's first
/// packet walks the nat rules, so the rate shows what KUBE-SERVICES costs per connection.
struct ConnectionRate {
    /// The service port to connect to, with its endpoints.
    var target: ServicePortEndpoints
    /// How long each measurement connects for.
    var duration: Duration = .seconds(2)
    var lockPath: String

    static let nodeAddress = "10.99.0.1"
    static let podAddress = "10.99.0.2"

    /// Connections per second with each ruleset installed in turn, `rounds` times
    /// alternating, in the same namespaces.
    func measure(_ rulesets: [Ruleset], rounds: Int) throws -> [[Double]] {
        guard let clusterIP = target.service.clusterIP(for: .ipv4) else {
            throw BenchError("the last service has no IPv4 cluster IP")
        }
        let endpoints = target.endpoints(for: .ipv4)
        guard let port = endpoints.first?.port else { throw BenchError("the last service has no endpoints") }
        return try NetworkNamespace.with(prefix: "kpx-bench") { node in
            try NetworkNamespace.with(prefix: "kpx-bench") { pod in
                try link(node: node, pod: pod, endpoints: endpoints.map(\.address))
                let server = try AcceptServer.start(port: UInt16(port), in: pod)
                defer { server.stop() }
                let applier = LibiptcApplier(lockPath: lockPath, helperCommand: LibiptcHelperCommand.commandLine)
                var rates = [[Double]](repeating: [], count: rulesets.count)
                for _ in 0..<rounds {
                    for (index, ruleset) in rulesets.enumerated() {
                        let duration = self.duration
                        let rate = try node.inside {
                            _ = try applier.apply(ruleset, changes: nil)
                            return try Self.connect(to: clusterIP, port: target.port.port, for: duration)
                        }
                        rates[index].append(rate)
                    }
                }
                return rates
            }
        }
    }

    func link(node: NetworkNamespace, pod: NetworkNamespace, endpoints: [IPAddress]) throws {
        try NetworkNamespace.ip("link add kpx-pod netns \(node.name) type veth peer name eth0 netns \(pod.name)")
        try NetworkNamespace.ip("-n \(node.name) addr add \(Self.nodeAddress)/24 dev kpx-pod")
        try NetworkNamespace.ip("-n \(node.name) link set kpx-pod up")
        try NetworkNamespace.ip("-n \(node.name) route add default via \(Self.podAddress)")
        try NetworkNamespace.ip("-n \(pod.name) addr add \(Self.podAddress)/24 dev eth0")
        for address in endpoints { try NetworkNamespace.ip("-n \(pod.name) addr add \(address)/32 dev eth0") }
        try NetworkNamespace.ip("-n \(pod.name) link set eth0 up")
        try NetworkNamespace.ip("-n \(pod.name) route add default via \(Self.nodeAddress)")
    }

    /// Opens and resets connections to `address:port` for `duration`; returns how many
    /// were set up per second.
    static func connect(to address: IPAddress, port: Int, for duration: Duration) throws -> Double {
        guard case .v4(let v4) = address else { throw BenchError("IPv4 only") }
        let target = IPv4Socket.address(v4.value, port: port)
        let clock = ContinuousClock()
        let start = clock.now
        var connections = 0
        var failures = 0
        while clock.now - start < duration {
            let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            guard descriptor >= 0 else { throw BenchError("socket: \(String(cString: strerror(errno)))") }
            // Close with a reset: no TIME_WAIT to run the client out of ports.
            var linger = Glibc.linger(l_onoff: 1, l_linger: 0)
            setsockopt(descriptor, SOL_SOCKET, SO_LINGER, &linger, socklen_t(MemoryLayout<Glibc.linger>.size))
            let result = IPv4Socket.connect(descriptor, to: target)
            close(descriptor)
            if result == 0 { connections += 1 } else { failures += 1 }
            if failures > 100 && connections == 0 {
                throw BenchError("cannot connect to \(address):\(port): \(String(cString: strerror(errno)))")
            }
        }
        return Double(connections) / (clock.now - start).milliseconds * 1000
    }
}

/// A TCP server on a thread inside a namespace that accepts connections and closes them.
final class AcceptServer: Sendable {
    private let listener: Int32

    private init(listener: Int32) {
        self.listener = listener
    }

    static func start(port: UInt16, in namespace: NetworkNamespace) throws -> AcceptServer {
        let listener = try namespace.inside { () throws -> Int32 in
            let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            var on: Int32 = 1
            setsockopt(descriptor, SOL_SOCKET, SO_REUSEADDR, &on, socklen_t(MemoryLayout<Int32>.size))
            let bound = IPv4Socket.bind(descriptor, to: IPv4Socket.address(0, port: Int(port)))
            guard descriptor >= 0, bound == 0, listen(descriptor, 4096) == 0 else {
                throw BenchError("listen on port \(port): \(String(cString: strerror(errno)))")
            }
            return descriptor
        }
        // The socket belongs to the namespace it was made in; accepting can happen anywhere.
        let thread = Thread {
            while true {
                let connection = accept(listener, nil, nil)
                if connection < 0 {
                    if errno == EINTR || errno == ECONNABORTED { continue }
                    return
                }
                close(connection)
            }
        }
        thread.start()
        return AcceptServer(listener: listener)
    }

    /// Stops accepting: the accept thread's next call fails and it ends.
    func stop() {
        shutdown(listener, Int32(SHUT_RDWR))
        close(listener)
    }
}
