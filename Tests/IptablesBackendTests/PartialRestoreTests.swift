import Foundation
import IptablesBackend
import KProxyTestSupport
import ProxyCore
import ServiceModel
import Testing

/// The partial-sync restore text (`RestoreRenderer.render(_:changes:)`) turns the installed
/// old plan into exactly the new one: restoring the old plan and then the partial text gives
/// the same `iptables-save` as restoring the new plan, in namespaces the test makes.
@Suite(.enabled(if: NetworkNamespace.isAvailable, "\(NetworkNamespace.unavailableReason ?? "")"))
struct PartialRestoreTests {
    @Test(arguments: [IPFamily.ipv4, .ipv6])
    func partialTextTurnsTheOldPlanIntoTheNew(family: IPFamily) throws {
        var generator = ClusterGenerator(seed: 7)
        let before = generator.cluster(services: 30)
        var after = before
        after.services.remove(at: 0)
        after.services[1].endpoints = Array(after.services[1].endpoints.dropFirst())
        after.services[2].endpoints += after.services[3].endpoints.map { endpoint in
            var moved = endpoint
            moved.index += 50
            return moved
        }
        let old = try planned(before.yaml(family: family), configuration: before.configuration, family: family)
        let new = try planned(after.yaml(family: family), configuration: after.configuration, family: family)
        let changes = new.diff(from: old)
        #expect(!changes.isEmpty)
        #expect(!changes[.nat].deleted.isEmpty, "the removed service's chains are deleted")

        var renderer = RestoreRenderer()
        renderer.render(new, changes: changes)
        let partial = String(decoding: renderer.bytes, as: UTF8.self)
        let prefix = family == .ipv6 ? "ip6tables-legacy" : "iptables-legacy"
        let patched = try NetworkNamespace.with { namespace in
            try namespace.run(["\(prefix)-restore"], input: RestoreRenderer.text(old)).check()
            try namespace.run(["\(prefix)-restore", "--noflush"], input: partial).check()
            return try namespace.run(["\(prefix)-save"]).check().stdout
        }
        let fresh = try NetworkNamespace.with { namespace in
            try namespace.run(["\(prefix)-restore"], input: RestoreRenderer.text(new)).check()
            return try namespace.run(["\(prefix)-save"]).check().stdout
        }
        #expect(Self.comparable(patched) == Self.comparable(fresh))
    }

    /// The save text without its timestamped comments.
    static func comparable(_ save: String) -> [Substring] {
        save.split(separator: "\n").filter { !$0.hasPrefix("#") }
    }
}
