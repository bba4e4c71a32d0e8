import Foundation
import ProxyCore

/// A small node for traffic tests, all in throwaway namespaces: a node namespace with a veth
/// link to an "outside" namespace (node 10.0.0.1, outside 10.0.0.2) and one veth link per
/// pod namespace (pod i is 10.244.1.(10+i)/32, its gateway the node's 10.244.1.1). The node
/// forwards, and routes everything else to the outside, so service IPs are routable.
public struct PodNetwork: Sendable {
    public let node: NetworkNamespace
    public let outside: NetworkNamespace
    public let pods: [NetworkNamespace]

    public static let nodeIP = "10.0.0.1"
    public static let outsideIP = "10.0.0.2"

    public static func podIP(_ index: Int) -> String { "10.244.1.\(10 + index)" }

    /// Builds the network with `podCount` pods, runs `body`, and deletes every namespace.
    public static func with<Result>(pods podCount: Int, _ body: (PodNetwork) throws -> Result) throws -> Result {
        try NetworkNamespace.with(count: podCount + 2) { namespaces in
            let network = PodNetwork(node: namespaces[0], outside: namespaces[1], pods: Array(namespaces[2...]))
            try network.wire()
            return try body(network)
        }
    }

    /// ``with(pods:_:)`` for an async body.
    public static func withAsync<Result>(pods podCount: Int, _ body: (PodNetwork) async throws -> Result) async throws -> Result {
        var namespaces: [NetworkNamespace] = []
        defer { namespaces.forEach { $0.delete() } }
        for _ in 0..<(podCount + 2) { namespaces.append(try NetworkNamespace.create(prefix: "kpx-test")) }
        let network = PodNetwork(node: namespaces[0], outside: namespaces[1], pods: Array(namespaces[2...]))
        try network.wire()
        return try await body(network)
    }

    private func wire() throws {
        try NetworkNamespace.ip("link add veth-out netns \(node.name) type veth peer name eth0 netns \(outside.name)")
        try NetworkNamespace.ip("-n \(node.name) addr add \(Self.nodeIP)/24 dev veth-out")
        try NetworkNamespace.ip("-n \(node.name) link set veth-out up")
        try NetworkNamespace.ip("-n \(outside.name) addr add \(Self.outsideIP)/24 dev eth0")
        try NetworkNamespace.ip("-n \(outside.name) link set eth0 up")
        try NetworkNamespace.ip("-n \(outside.name) link set lo up")
        try NetworkNamespace.ip("-n \(node.name) route add default via \(Self.outsideIP)")
        try node.run(["sysctl", "-q", "-w", "net.ipv4.ip_forward=1"]).check()
        for (index, pod) in pods.enumerated() {
            let link = "veth-pod\(index)"
            try NetworkNamespace.ip("link add \(link) netns \(node.name) type veth peer name eth0 netns \(pod.name)")
            try NetworkNamespace.ip("-n \(node.name) addr add 10.244.1.1/32 dev \(link)")
            try NetworkNamespace.ip("-n \(node.name) link set \(link) up")
            try NetworkNamespace.ip("-n \(node.name) route add \(Self.podIP(index))/32 dev \(link) src 10.244.1.1")
            try NetworkNamespace.ip("-n \(pod.name) addr add \(Self.podIP(index))/32 dev eth0")
            try NetworkNamespace.ip("-n \(pod.name) link set eth0 up")
            try NetworkNamespace.ip("-n \(pod.name) link set lo up")
            try NetworkNamespace.ip("-n \(pod.name) route add 10.244.1.1/32 dev eth0")
            try NetworkNamespace.ip("-n \(pod.name) route add default via 10.244.1.1 dev eth0")
        }
    }
}
