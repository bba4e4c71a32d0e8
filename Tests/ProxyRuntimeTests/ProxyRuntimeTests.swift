import Foundation
import IptablesBackend
import KProxyTestSupport
import Logging
@testable import ProxyRuntime
import ServiceModel
import Synchronization
import Testing

/// The sync loop against a recording applier: what it applies, when, and what health and
/// metrics say about it.
@Suite struct ProxyRuntimeTests {
    static let node = Node(metadata: ObjectMeta(name: "node-a"),
                           addresses: [Node.Address(type: .internalIP, address: "192.168.0.2")])
    static let web = Service(metadata: ObjectMeta(name: "web", namespace: "default"), clusterIPs: [IPAddress("10.96.0.10")!],
                             ipFamilies: [.ipv4], ports: [ServicePort(port: 80)])

    /// A runtime with `applier`, fed through the returned source.
    static func runtime(_ applier: RecordingApplier, minSync: Duration = .zero, sync: Duration = .seconds(3600),
                        nodeWait: Duration = .zero) -> ProxyRuntime {
        var options = ProxyRuntimeOptions(configuration: KubeProxyConfiguration(), nodeName: "node-a")
        options.minSyncPeriod = minSync
        options.syncPeriod = sync
        options.nodeWaitTimeout = nodeWait
        return ProxyRuntime(options: options, applier: applier, metrics: ProxyMetrics(family: .ipv4),
                            logger: Logger(label: "test") { _ in SwiftLogNoOpLogHandler() })
    }

    @Test func firstSyncIsFullThenOnlyTheChangedChains() async throws {
        let applier = RecordingApplier()
        let source = ScriptedSource([.node(Self.node), .service(Self.web), .endpointSlice(.test("web-1", service: "web"))])
        let runtime = Self.runtime(applier)
        try await running(runtime, source) { _ in
            try await eventually { applier.calls.count == 1 }
            #expect(applier.calls[0].isFull)
            source.send([.endpointSlice(.test("web-1", service: "web", address: "10.180.0.2"))])
            try await eventually { applier.calls.count == 2 }
            let changes = try #require(applier.calls[1].changes)
            // The service chain and the old and new endpoint chains; the dispatch chains stay.
            #expect(changes[.nat].written.count == 2)
            #expect(changes[.nat].deleted.count == 1)
            #expect(changes[.filter].isEmpty)
            // The rule counts: the table's, and those of the two chains written.
            let nat = try #require(applier.calls[1].ruleset[.nat])
            let written = nat.chains.filter { changes[.nat].written.contains($0.name) }.reduce(0) { $0 + $1.rules.count }
            #expect(written > 0)
            try await eventually {
                let text = String(decoding: runtime.metrics.exposition(), as: UTF8.self)
                return text.contains(#"kubeproxy_sync_proxy_rules_iptables_last{ip_family="IPv4",table="nat"} \#(written)"#)
                    && text.contains(#"kubeproxy_sync_proxy_rules_iptables_total{ip_family="IPv4",table="nat"} \#(nat.ruleCount)"#)
            }
        }
    }

    @Test func changesWithinTheMinimumPeriodAreCoalesced() async throws {
        let applier = RecordingApplier()
        let source = ScriptedSource([.node(Self.node), .service(Self.web)])
        // The first sync is held while five changes arrive, so however late they come, they
        // come within one minimum period of it.
        applier.hold(true)
        try await running(Self.runtime(applier, minSync: .milliseconds(600)), source) { _ in
            try await eventually { applier.calls.count == 1 }
            for index in 1...5 {
                source.send([.endpointSlice(.test("web-1", service: "web", address: "10.180.0.\(index)"))])
            }
            applier.hold(false)
            try await eventually { applier.calls.count == 2 }
            try await Task.sleep(for: .milliseconds(800))
            #expect(applier.calls.count == 2)
            let last = try #require(applier.calls.last?.ruleset)
            #expect(RestoreRenderer.text(last).contains("10.180.0.5:80"))
        }
    }

    @Test func aFailedSyncIsCountedAndTheNextIsFull() async throws {
        let applier = RecordingApplier()
        let source = ScriptedSource([.node(Self.node), .service(Self.web)])
        let runtime = Self.runtime(applier)
        try await running(runtime, source) { _ in
            try await eventually { applier.calls.count == 1 }
            applier.failNext(1)
            source.send([.endpointSlice(.test("web-1", service: "web", triggeredAt: "2026-01-01T00:00:00Z"))])
            try await eventually { applier.calls.count == 2 }
            #expect(!applier.calls[1].isFull)
            source.send([.endpointSlice(.test("web-1", service: "web", address: "10.180.0.9", triggeredAt: "2026-01-01T00:00:01Z"))])
            try await eventually { applier.calls.count == 3 }
            #expect(applier.calls[2].isFull)
            // Both changes reached the kernel with the third sync: both latencies are observed then.
            try await eventually {
                let text = String(decoding: runtime.metrics.exposition(), as: UTF8.self)
                return text.contains(#"kubeproxy_sync_proxy_rules_iptables_partial_restore_failures_total{ip_family="IPv4"} 1"#)
                    && text.contains(#"kubeproxy_network_programming_duration_seconds_count{ip_family="IPv4"} 2"#)
            }
        }
    }

    @Test func healthFailsWhileSyncsAreBlockedAndRecovers() async throws {
        let applier = RecordingApplier()
        let source = ScriptedSource([.node(Self.node), .service(Self.web)])
        let runtime = Self.runtime(applier, sync: .milliseconds(300))
        try await running(runtime, source) { _ in
            try await eventually { !applier.calls.isEmpty && runtime.health.status().lastUpdated != nil }
            #expect(runtime.health.status().healthy)
            applier.hold(true)
            source.send([.endpointSlice(.test("web-1", service: "web"))])
            try await eventually { !runtime.health.status().healthy }
            applier.hold(false)
            try await eventually { runtime.health.status().healthy }
        }
    }

    @Test func aNodeThatNeverComesStopsTheRuntime() async throws {
        let runtime = Self.runtime(RecordingApplier())
        await #expect(throws: ProxyRuntimeError.self) {
            try await withTaskExecutorPreference(TestExecutor.shared) {
                try await runtime.run(source: ScriptedSource([.service(Self.web)]))
            }
        }
    }

    @Test func theFirstSyncWaitsForTheNode() async throws {
        let applier = RecordingApplier()
        let source = ScriptedSource([.service(Self.web)])
        try await running(Self.runtime(applier, nodeWait: .seconds(60)), source) { _ in
            try await Task.sleep(for: .milliseconds(300))
            #expect(applier.calls.isEmpty)
            source.send([.node(Self.node)])
            try await eventually { applier.calls.count == 1 }
            #expect(applier.calls[0].ruleset.tables.isEmpty == false)
        }
    }

    @Test func aDeletedNodeIsNotEligible() async throws {
        let applier = RecordingApplier()
        let source = ScriptedSource([.node(Self.node), .service(Self.web)])
        let runtime = Self.runtime(applier)
        try await running(runtime, source) { _ in
            try await eventually { applier.calls.count == 1 }
            #expect(runtime.health.status().nodeEligible)
            var deleting = Self.node
            deleting.metadata.deletionTimestamp = "2026-12-04T15:00:00Z"
            source.send([.node(deleting)])
            try await eventually { !runtime.health.status().nodeEligible }
        }
    }
}

/// A source that delivers `initial` first, then whatever the test sends.
final class ScriptedSource: ObjectChangeSource {
    private let initial: [ObjectChange]
    private let stream: AsyncStream<[ObjectChange]>
    private let continuation: AsyncStream<[ObjectChange]>.Continuation

    init(_ initial: [ObjectChange]) {
        self.initial = initial
        (stream, continuation) = AsyncStream.makeStream()
    }

    func send(_ changes: [ObjectChange]) { continuation.yield(changes) }

    func run(deliver: @escaping @Sendable (ObjectChangeBatch) -> Void) async throws {
        deliver(ObjectChangeBatch(initial))
        for await changes in stream { deliver(ObjectChangeBatch(changes)) }
        try await Task.sleep(for: .seconds(3600))
    }
}

/// Runs `runtime` on `source` while `body` runs, then stops it; both on the test executor.
func running(_ runtime: ProxyRuntime, _ source: some ObjectChangeSource,
             _ body: (ProxyRuntime) async throws -> Void) async throws {
    let task = Task(executorPreference: TestExecutor.shared) { try await runtime.run(source: source) }
    defer { task.cancel() }
    try await withTaskExecutorPreference(TestExecutor.shared) { try await body(runtime) }
}
