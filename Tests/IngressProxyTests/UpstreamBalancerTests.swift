@testable import IngressProxy
import NIOCore
import ServiceModel
import Testing

/// Round-robin with passive failure: the turns each upstream keeps, and what a failure
/// changes for how long.
@Suite struct UpstreamBalancerTests {
    static let upstream = IngressUpstream(
        service: NamespacedName(namespace: "prod", name: "web"), port: .number(80),
        endpoints: (1...3).map { UpstreamAddress(address: IPAddress("10.180.0.\($0)")!, port: 8080) })
    static func endpoint(_ index: Int) -> UpstreamAddress { upstream.endpoints[index] }

    @Test func takesTurns() {
        var balancer = UpstreamBalancer()
        let picks = (0..<6).compactMap { _ in balancer.pick(Self.upstream) }
        #expect(picks == [0, 1, 2, 0, 1, 2].map(Self.endpoint))
    }

    @Test func passesOverAFailedEndpointUntilItsBackoffEnds() {
        var balancer = UpstreamBalancer()
        let now = NIODeadline.now()
        balancer.failed(Self.endpoint(1), backoff: .seconds(10), now: now)
        let during = (0..<4).compactMap { _ in balancer.pick(Self.upstream, now: now + .seconds(5)) }
        #expect(!during.contains(Self.endpoint(1)))
        let after = (0..<3).compactMap { _ in balancer.pick(Self.upstream, now: now + .seconds(11)) }
        #expect(Set(after) == Set(Self.upstream.endpoints))
    }

    @Test func triesEveryEndpointWhenAllAreFailing() {
        var balancer = UpstreamBalancer()
        let now = NIODeadline.now()
        for index in 0..<3 { balancer.failed(Self.endpoint(index), backoff: .seconds(10), now: now) }
        #expect(balancer.pick(Self.upstream, now: now) != nil)
    }

    @Test func aRetrySkipsWhatTheRequestAlreadyTried() {
        var balancer = UpstreamBalancer()
        var tried = ShortList<UpstreamAddress>()
        while let next = balancer.pick(Self.upstream, excluding: tried) { tried.append(next) }
        #expect(tried.sorted() == Self.upstream.endpoints.sorted())
    }
}
