import Foundation
import IptablesBackend
import KProxyTestSupport
import ServiceModel
import Testing

/// The planner against kube-proxy's own output for every reference case, and against our
/// recorded golden text byte for byte.
@Suite struct FixtureRulesTests {
    @Test(arguments: FixtureRun.all)
    func meansWhatKubeProxyWrote(_ run: FixtureRun) throws {
        let text = RestoreRenderer.text(try plan(run))
        let expected = try RestoreDump(String(contentsOfFile: packagePath(run.expected), encoding: .utf8))
        let actual = try RestoreDump(text)
        let differences = actual.differences(from: expected)
        #expect(differences.isEmpty, "\(run.expected) (+) against ours (-):\n\(differences.prefix(40).joined(separator: "\n"))")
    }

    @Test(arguments: FixtureRun.all)
    func matchesGoldenText(_ run: FixtureRun) throws {
        assertGolden(RestoreRenderer.text(try plan(run)), run.golden)
    }

    @Test func everyCaseHasRuns() {
        let cases = Set(FixtureRun.all.map(\.caseName))
        #expect(cases.count >= 19)
        #expect(FixtureRun.all.contains { $0.family == .ipv6 })
        #expect(FixtureRun.all.contains { $0.step != nil })
    }

    @Test(arguments: FixtureRun.all)
    func bufferIsReusedWithoutLeftovers(_ run: FixtureRun) throws {
        let ruleset = try plan(run)
        var renderer = RestoreRenderer()
        renderer.render(Ruleset(family: ruleset.family, tables: [TableRules(.filter), TableRules(.nat)]))
        renderer.render(ruleset)
        #expect(String(decoding: renderer.bytes, as: UTF8.self) == RestoreRenderer.text(ruleset))
        #expect(renderer.lineCount == RestoreRenderer.text(ruleset).split(separator: "\n").count)
    }
}
