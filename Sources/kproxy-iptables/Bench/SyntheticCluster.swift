import Foundation

/// Writes a synthetic cluster as `kubectl get -o yaml` would print it: `services` Services
/// (a mix of ClusterIP, NodePort and LoadBalancer, with one to three ports) each with one
/// EndpointSlice of `endpointsPerService` ready endpoints spread over three nodes, plus
/// the Node `worker-1`. The same parameters always give the same bytes.
struct SyntheticCluster {
    /// Which services the generator writes.
    enum Shape: String, CaseIterable {
        /// ClusterIP, NodePort and LoadBalancer services with one to three ports.
        case mixed
        /// Only ClusterIP services with one port: the cluster kube-proxy's own scale
        /// figures are given for (10,000 services × 10 endpoints is 320k rules).
        case clusterIP = "clusterip"
    }

    var services: Int
    var endpointsPerService: Int
    var shape: Shape = .mixed

    /// The node whose rules are planned, and the cluster's pod network (its pod CIDR is
    /// 10.244.1.0/24), as a KubeProxyConfiguration would give them.
    static let nodeName = "worker-1"
    static let clusterCIDR = "10.244.0.0/16"

    /// Writes the stream to `handle` in chunks, so the generator holds little memory.
    func write(to handle: FileHandle) {
        var chunk = String()
        chunk.reserveCapacity(1 << 20)
        chunk += Self.node
        for index in 0..<services {
            appendService(index, to: &chunk)
            if chunk.utf8.count > 1 << 20 {
                handle.write(Data(chunk.utf8))
                chunk.removeAll(keepingCapacity: true)
            }
        }
        handle.write(Data(chunk.utf8))
    }

    /// The whole stream as bytes (for small clusters and tests).
    func bytes() -> [UInt8] {
        var chunk = Self.node
        for index in 0..<services { appendService(index, to: &chunk) }
        return Array(chunk.utf8)
    }

    static let node = """
        apiVersion: v1
        kind: Node
        metadata:
          labels:
            kubernetes.io/hostname: worker-1
            topology.kubernetes.io/zone: zone-a
          name: worker-1
        spec:
          podCIDR: 10.244.1.0/24
          podCIDRs:
          - 10.244.1.0/24
        status:
          addresses:
          - address: 192.168.1.11
            type: InternalIP
          - address: worker-1
            type: Hostname

        """

    private func appendService(_ index: Int, to out: inout String) {
        let namespace = "ns\(index % 100)"
        let name = "svc\(index)"
        let clusterIP = "10.\(96 + index / 65536).\(index / 256 % 256).\(index % 256)"
        let portCount = shape == .mixed ? 1 + index % 3 : 1
        let type = shape == .clusterIP ? "ClusterIP"
            : index % 10 == 0 ? "LoadBalancer" : (index % 5 == 0 ? "NodePort" : "ClusterIP")
        out += """
            ---
            apiVersion: v1
            kind: Service
            metadata:
              creationTimestamp: "2025-03-07T03:06:14Z"
              labels:
                app.kubernetes.io/name: \(name)
              name: \(name)
              namespace: \(namespace)
              resourceVersion: "1144897"
              uid: 0713de39-0e24-4f3b-ad14-\(String(index, radix: 16).leftPadding(12).replacingOccurrences(of: " ", with: "0"))
            spec:
              clusterIP: \(clusterIP)
              clusterIPs:
              - \(clusterIP)
              internalTrafficPolicy: Cluster
              ipFamilies:
              - IPv4
              ipFamilyPolicy: SingleStack
              ports:

            """
        for port in 0..<portCount {
            out += "  - name: p\(port)\n    port: \(80 + port)\n    protocol: TCP\n    targetPort: \(8080 + port)\n"
            if type != "ClusterIP" {
                out += "    nodePort: \(30000 + (index * 3 + port) % 2768)\n"
            }
        }
        out += """
              selector:
                app.kubernetes.io/name: \(name)
              sessionAffinity: None
              type: \(type)

            """
        if type != "ClusterIP" { out += "  externalTrafficPolicy: Cluster\n" }
        if type == "LoadBalancer" {
            out += "status:\n  loadBalancer:\n    ingress:\n    - ip: 203.0.\(index / 256 % 256).\(index % 256)\n      ipMode: VIP\n"
        } else {
            out += "status:\n  loadBalancer: {}\n"
        }
        out += "---\naddressType: IPv4\napiVersion: discovery.k8s.io/v1\nendpoints:\n"
        for endpoint in 0..<endpointsPerService {
            let serial = index * endpointsPerService + endpoint
            out += """
                - addresses:
                  - 10.\(128 + serial / 65536 % 128).\(serial / 256 % 256).\(serial % 256)
                  conditions:
                    ready: true
                    serving: true
                    terminating: false
                  nodeName: worker-\(1 + endpoint % 3)
                  targetRef:
                    kind: Pod
                    name: \(name)-7d9f8b6c5d-\(endpoint)
                    namespace: \(namespace)

                """
        }
        out += """
            kind: EndpointSlice
            metadata:
              labels:
                endpointslice.kubernetes.io/managed-by: endpointslice-controller.k8s.io
                kubernetes.io/service-name: \(name)
              name: \(name)-x7k2p
              namespace: \(namespace)
            ports:

            """
        for port in 0..<portCount {
            out += "- name: p\(port)\n  port: \(8080 + port)\n  protocol: TCP\n"
        }
    }
}
