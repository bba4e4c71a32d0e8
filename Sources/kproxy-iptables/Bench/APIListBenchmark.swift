import Foundation
import ServiceModel

/// The generated cluster as the API server sends a node agent its initial lists: a
/// ServiceList and an EndpointSliceList in JSON (items without `kind` and `apiVersion`),
/// and how long decoding and validating both takes (`APIList.decode`).
struct APIListBenchmark {
    var services: Int
    var endpointsPerService: Int

    struct Result {
        var bytes: Int
        var objects: Int
        var milliseconds: [Double]
    }

    func measure(runs: Int) throws -> Result {
        let lists = (services: serviceList(), slices: sliceList())
        var result = Result(bytes: lists.services.count + lists.slices.count, objects: 0, milliseconds: [])
        for _ in 0..<runs {
            let clock = ContinuousClock()
            var objects = 0
            let elapsed = try clock.measure {
                objects = try APIList.decode(lists.services, kind: "Service", source: "/api/v1/services").objects.count
                    + APIList.decode(lists.slices, kind: "EndpointSlice", source: "/apis/discovery.k8s.io/v1/endpointslices").objects.count
            }
            result.objects = objects
            result.milliseconds.append(elapsed.milliseconds)
        }
        return result
    }

    private func list(_ kind: String, _ apiVersion: String, _ item: (Int, inout String) -> Void) -> [UInt8] {
        var out = #"{"kind":"\#(kind)List","apiVersion":"\#(apiVersion)","metadata":{"resourceVersion":"1144900"},"items":["#
        out.reserveCapacity(services * (endpointsPerService * 330 + 900))
        for index in 0..<services {
            if index > 0 { out += "," }
            item(index, &out)
        }
        return Array((out + "]}").utf8)
    }

    /// One-port ClusterIP Services, with the metadata the API server writes.
    func serviceList() -> [UInt8] {
        list("Service", "v1") { index, out in
            let ip = "10.\(96 + index / 65536).\(index / 256 % 256).\(index % 256)"
            out += #"{"metadata":{"name":"svc\#(index)","namespace":"ns\#(index % 100)","uid":"0713de39-0e24-4f3b-ad14-\#(index)","#
                + #""resourceVersion":"1144897","creationTimestamp":"2025-03-07T03:06:14Z","labels":{"app.kubernetes.io/name":"svc\#(index)"}},"#
                + #""spec":{"ports":[{"name":"p0","protocol":"TCP","port":80,"targetPort":8080}],"selector":{"app.kubernetes.io/name":"svc\#(index)"},"#
                + #""clusterIP":"\#(ip)","clusterIPs":["\#(ip)"],"type":"ClusterIP","sessionAffinity":"None","ipFamilies":["IPv4"],"#
                + #""ipFamilyPolicy":"SingleStack","internalTrafficPolicy":"Cluster"},"status":{"loadBalancer":{}}}"#
        }
    }

    /// One slice per Service, its endpoints ready and spread over three nodes.
    func sliceList() -> [UInt8] {
        list("EndpointSlice", "discovery.k8s.io/v1") { index, out in
            out += #"{"metadata":{"name":"svc\#(index)-x7k2p","generateName":"svc\#(index)-","namespace":"ns\#(index % 100)","#
                + #""uid":"2f6c1b0e-7d3a-4c5e-9f8a-\#(index)","resourceVersion":"1144898","creationTimestamp":"2025-03-07T03:06:15Z","#
                + #""labels":{"endpointslice.kubernetes.io/managed-by":"endpointslice-controller.k8s.io","kubernetes.io/service-name":"svc\#(index)"},"#
                + #""annotations":{"endpoints.kubernetes.io/last-change-trigger-time":"2025-03-07T03:06:15Z"}},"addressType":"IPv4","endpoints":["#
            for endpoint in 0..<endpointsPerService {
                let serial = index * endpointsPerService + endpoint
                if endpoint > 0 { out += "," }
                out += #"{"addresses":["10.\#(128 + serial / 65536 % 128).\#(serial / 256 % 256).\#(serial % 256)"],"#
                    + #""conditions":{"ready":true,"serving":true,"terminating":false},"nodeName":"worker-\#(1 + endpoint % 3)","#
                    + #""targetRef":{"kind":"Pod","namespace":"ns\#(index % 100)","name":"svc\#(index)-7d9f8b6c5d-\#(endpoint)","uid":"a1b2-\#(serial)"}}"#
            }
            out += #"],"ports":[{"name":"p0","protocol":"TCP","port":8080}]}"#
        }
    }
}
