import LocalAPIServer
import Foundation
import KProxyTestSupport
import KubernetesClient
import Logging
import ProxyRuntime
import ServiceModel
import Synchronization
import Testing

/// List and watch against a test API server that speaks the real wire format, over TLS
/// with a bearer token: what is asked, and what reaches the proxy.
@Suite struct ReflectorTests {
    static let node = ServedObject.node("node-a", addresses: ["192.168.0.2"])
    static let web = ServedObject.service("web", clusterIP: "10.96.0.10")
    static let webSlice = ServedObject.endpointSlice("web-1", service: "web", endpoints: [("10.180.0.1", "node-a")])

    @Test func listsThenWatchesWithKubeProxysSelectors() async throws {
        try await following([Self.node, Self.web, Self.webSlice,
                             .service("other", clusterIP: "10.96.0.11", labels: ["service.kubernetes.io/service-proxy-name": "other"]),
                             .service("headless", clusterIP: "None"),
                             .endpointSlice("headless-1", service: "headless", endpoints: [("10.180.0.9", "node-b")],
                                            labels: ["service.kubernetes.io/headless": ""]),
                             .node("node-b", addresses: ["192.168.0.3"])]) { server, received in
            try await eventually { received.batches.count == 1 }
            #expect(received.batches[0].sorted() == ["EndpointSlice default/web-1", "Node node-a", "Service default/web"])
            try await eventually { server.openWatches == 3 }
            let lists = server.requests.filter { !$0.isWatch }
            #expect(Set(lists.map(\.path)) == ["/api/v1/services", "/apis/discovery.k8s.io/v1/endpointslices", "/api/v1/nodes"])
            #expect(lists.allSatisfy { $0.query["resourceVersion"] == "0" })
            let services = try #require(lists.first { $0.path == "/api/v1/services" })
            #expect(services.query["labelSelector"] == "!service.kubernetes.io/service-proxy-name")
            #expect(services.query["fieldSelector"] == "spec.clusterIP!=None")
            #expect(lists.first { $0.path.hasSuffix("endpointslices") }?.query["labelSelector"] == "!service.kubernetes.io/headless")
            #expect(lists.first { $0.path == "/api/v1/nodes" }?.query["fieldSelector"] == "metadata.name=node-a")
            for watch in server.requests.filter(\.isWatch) {
                #expect(watch.query["allowWatchBookmarks"] == "true")
                #expect(watch.query["resourceVersion"] == "107")
                #expect((300..<600).contains(Int(watch.query["timeoutSeconds"] ?? "") ?? 0))
            }
            // A change after the list arrives through the watch.
            server.apply(.endpointSlice("web-1", service: "web", endpoints: [("10.180.0.2", "node-a")]))
            try await eventually { received.batches.count == 2 }
            #expect(received.batches[1] == ["EndpointSlice default/web-1"])
        }
    }

    @Test func nothingIsHandedOnBeforeEveryListIsRead() async throws {
        try await following([Self.node, Self.web, Self.webSlice], before: { server in
            server.failNext("/api/v1/nodes", status: 503, count: 2)
        }) { server, received in
            try await eventually { received.batches.count == 1 }
            #expect(received.batches[0].sorted() == ["EndpointSlice default/web-1", "Node node-a", "Service default/web"])
            #expect(server.requests.filter { $0.path == "/api/v1/nodes" && !$0.isWatch }.count == 3)
        }
    }

    @Test func aBookmarkOnlyMovesTheVersionOn() async throws {
        try await following([Self.node, Self.web]) { server, received in
            try await eventually { server.openWatches == 3 }
            server.apply(.service("unrelated", clusterIP: "10.96.0.12", labels: ["service.kubernetes.io/service-proxy-name": "x"]))
            let version = server.resourceVersion
            server.sendBookmarks()
            try await Task.sleep(for: .milliseconds(200))
            server.closeWatches()
            try await eventually { server.requests.filter(\.isWatch).count == 6 }
            #expect(received.batches.count == 1)
            let rewatch = server.requests.filter { $0.isWatch && $0.path == "/api/v1/services" }.last
            #expect(rewatch?.query["resourceVersion"] == String(version))
        }
    }

    @Test func anExpiredVersionRelistsAndHandsOnTheDifference() async throws {
        try await following([Self.node, Self.web, Self.webSlice]) { server, received in
            try await eventually { server.openWatches == 3 }
            // Compaction, and changes the watches will never see as events.
            server.expireHistory()
            server.delete(Self.web)
            server.apply(.service("api", clusterIP: "10.96.0.20"))
            try await eventually { received.all.contains("Service default/api") && received.all.contains("-Service default/web") }
            let relists = server.requests.filter { !$0.isWatch && $0.path == "/api/v1/services" }
            #expect(relists.count == 2)
            #expect(relists.last?.query["resourceVersion"] == nil)
            #expect(relists.last?.query["limit"] == "500")
        }
    }

    @Test func aGoneReplyRelists() async throws {
        try await following([Self.node, Self.web]) { server, received in
            try await eventually { server.openWatches == 3 }
            server.failNext("/api/v1/services", status: 410)
            server.closeWatches()
            try await eventually { server.requests.filter { !$0.isWatch && $0.path == "/api/v1/services" }.count == 2 }
        }
    }

    @Test func throttlingWaitsAsTheServerSays() async throws {
        try await following([Self.node, Self.web], before: { server in
            server.failNext("/api/v1/services", status: 429, retryAfter: 2)
        }) { server, received in
            try await eventually { received.batches.count == 1 }
            let times = server.requests.filter { $0.path == "/api/v1/services" }.map(\.time)
            #expect(times.count >= 2)
            #expect(times[1] - times[0] >= .milliseconds(1900))
        }
    }

    @Test func serverErrorsBackOffDoubling() async throws {
        try await following([Self.node, Self.web], before: { server in
            server.failNext("/api/v1/services", status: 503, count: 2)
        }) { server, received in
            try await eventually { received.batches.count == 1 }
            let times = server.requests.filter { $0.path == "/api/v1/services" }.map(\.time)
            #expect(times[1] - times[0] >= .milliseconds(750))
            #expect(times[2] - times[1] >= .milliseconds(1500))
        }
    }

    @Test func aWatchThatEndsAtOnceCountsAsAFailure() async throws {
        try await following([Self.node, Self.web], before: { server in
            server.closeNextWatches(3)
        }) { server, received in
            try await eventually { server.openWatches == 3 }
            let watches = server.requests.filter { $0.isWatch && $0.path == "/api/v1/services" }.map(\.time)
            // The three closes fall on whichever watches come first: under load the
            // services watch's retry can be closed too. Every retry waits its backoff.
            #expect(watches.count >= 2 && watches.count <= 4)
            #expect(zip(watches, watches.dropFirst()).allSatisfy { $1 - $0 >= .milliseconds(750) }, "\(watches)")
        }
    }

    @Test func eventsSplitAcrossWritesArriveWhole() async throws {
        try await following([Self.node, Self.web]) { server, received in
            try await eventually { server.openWatches == 3 }
            server.splitEvents(true)
            server.apply(.service("api", clusterIP: "10.96.0.20", ports: [("http", 80), ("https", 443)]))
            try await eventually { received.batches.count == 2 }
            #expect(received.batches[1] == ["Service default/api"])
        }
    }

    @Test func anObjectValidationRejectsIsLeftOutAndCounted() async throws {
        let metrics = ProxyMetrics(family: .ipv4)
        try await following([Self.node, Self.web, .service("broken", clusterIP: "10.96.0.30", ports: [("", 70000)])],
                            metrics: metrics) { server, received in
            try await eventually { received.batches.count == 1 }
            #expect(received.batches[0].sorted() == ["Node node-a", "Service default/web"])
            let text = String(decoding: metrics.exposition(), as: UTF8.self)
            #expect(text.contains(#"kproxy_objects_rejected_total{kind="Service"} 1"#))
        }
    }

    @Test func theServersCertificateAndTheTokenAreChecked() async throws {
        let server = try await LoopbackAPIServer.start()
        defer { Task { await server.stop() } }
        let wrongToken = try APIClient(connection: Self.connection(to: server, token: "wrong"))
        await #expect { _ = try await wrongToken.get("/api/v1/nodes", query: []) } throws: { error in
            (error as? APIRequestError)?.statusCode == 401
        }
        await wrongToken.shutdown()
        let other = try LoopbackCertificates()
        var untrusted = Self.connection(to: server)
        untrusted.trust = .certificateAuthority(pem: Array(other.authorityPEM.utf8))
        let client = try APIClient(connection: untrusted)
        await #expect { _ = try await client.get("/api/v1/nodes", query: []) } throws: { error in
            (error as? APIRequestError)?.kind == .transport
        }
        await client.shutdown()
    }

    /// Whether the source follows ServiceCIDRs, and whether the server has them.
    enum ServiceCIDRFollowing: Sendable, CustomTestStringConvertible {
        case notFollowed
        case followed
        case followedButUnserved

        var testDescription: String { "\(self)" }
    }

    /// ServiceCIDRs where the rules use them: listed with the rest and watched; a server
    /// that does not know them (before 1.33) answers 404, which counts as none and does
    /// not hold the first batch back.
    @Test(arguments: [
        (ServiceCIDRFollowing.followed, ["EndpointSlice default/web-1", "Node node-a", "Service default/web",
                                         "ServiceCIDR kubernetes [10.96.0.0/16]"], 4),
        (.followedButUnserved, ["EndpointSlice default/web-1", "Node node-a", "Service default/web"], 3),
        (.notFollowed, ["EndpointSlice default/web-1", "Node node-a", "Service default/web"], 3),
    ])
    func serviceCIDRs(_ following: ServiceCIDRFollowing, firstBatch: [String], watches: Int) async throws {
        let range = ServedObject.serviceCIDR("kubernetes", cidrs: ["10.96.0.0/16"])
        try await self.following([Self.node, Self.web, Self.webSlice, range], serviceCIDRs: following) { server, received in
            try await eventually { received.batches.count == 1 }
            #expect(received.batches[0].sorted() == firstBatch)
            try await eventually { server.openWatches == watches }
            server.apply(.serviceCIDR("second", cidrs: ["10.97.0.0/16", "fd00:10:97::/112"]))
            server.delete(range)
            server.apply(.endpointSlice("web-1", service: "web", endpoints: [("10.180.0.2", "node-a")]))
            let expected = following == .followed
                ? ["ServiceCIDR second [10.97.0.0/16, fd00:10:97::/112]", "-ServiceCIDR kubernetes", "EndpointSlice default/web-1"]
                : ["EndpointSlice default/web-1"]
            // Each collection is its own watch: the order is kept within one, not across.
            try await eventually { received.batches.dropFirst().joined().count >= expected.count }
            #expect(received.batches.dropFirst().joined().sorted() == expected.sorted())
            let cidrLists = server.requests.filter { $0.path == APIResource.serviceCIDRs.path && !$0.isWatch }
            #expect(cidrLists.count == (following == .notFollowed ? 0 : 1))
        }
    }

    // MARK: - Harness

    static func connection(to server: LoopbackAPIServer, token: String? = nil) -> APIConnection {
        APIConnection(server: server.url, trust: .certificateAuthority(pem: Array(server.certificates!.authorityPEM.utf8)),
                      token: .value(token ?? server.token!), clientCertificate: nil, tlsServerName: nil, source: "test")
    }

    /// Runs an API change source for node-a against a server holding `objects`.
    func following(_ objects: [ServedObject], metrics: ProxyMetrics? = nil, serviceCIDRs: ServiceCIDRFollowing = .notFollowed,
                   before: (LoopbackAPIServer) -> Void = { _ in },
                   _ body: (LoopbackAPIServer, Received) async throws -> Void) async throws {
        let server = try await LoopbackAPIServer.start(servesServiceCIDRs: serviceCIDRs != .followedButUnserved)
        for object in objects { server.apply(object) }
        before(server)
        let client = try APIClient(connection: Self.connection(to: server), qps: 0, burst: 1)
        let received = Received()
        let source = APIChangeSource(client: client, nodeName: "node-a",
                                     logger: Logger(label: "test") { _ in SwiftLogNoOpLogHandler() }, metrics: metrics,
                                     followsServiceCIDRs: serviceCIDRs != .notFollowed)
        let task = Task(executorPreference: TestExecutor.shared) { try await source.run { batch in received.add(batch) } }
        defer { task.cancel() }
        try await withTaskExecutorPreference(TestExecutor.shared) { try await body(server, received) }
        task.cancel()
        _ = await task.result
        await client.shutdown()
        await server.stop()
    }
}

/// The batches a source delivered, each as short descriptions of its changes.
final class Received: Sendable {
    private let state = Mutex<[[String]]>([])

    func add(_ batch: ObjectChangeBatch) {
        state.withLock { $0.append(batch.changes.map(Self.describe)) }
    }

    var batches: [[String]] { state.withLock { $0 } }
    var all: [String] { batches.flatMap { $0 } }

    static func describe(_ change: ObjectChange) -> String {
        switch change {
        case .service(let service): return "Service \(service.namespacedName)"
        case .serviceDeleted(let name): return "-Service \(name)"
        case .endpointSlice(let slice): return "EndpointSlice \(slice.metadata.namespace)/\(slice.metadata.name)"
        case .endpointSliceDeleted(let name): return "-EndpointSlice \(name)"
        case .node(let node): return "Node \(node.name)"
        case .nodeDeleted(let name): return "-Node \(name)"
        case .serviceCIDR(let serviceCIDR): return "ServiceCIDR \(serviceCIDR.metadata.name) \(serviceCIDR.cidrs)"
        case .serviceCIDRDeleted(let name): return "-ServiceCIDR \(name)"
        }
    }
}
