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

/// The annotated example in the README is real output, line for line.
@Suite struct ReadmeExampleTests {
    @Test func everyRuleLineOfTheExampleIsPlanned() throws {
        let readme = try String(contentsOfFile: packagePath("README.md"), encoding: .utf8)
        let section = try #require(readme.components(separatedBy: "## The rules we write").dropFirst().first)
        let block = try #require(section.components(separatedBy: "```").dropFirst().first)
        let lines = block.split(separator: "\n").map(String.init).filter { !$0.hasPrefix("#") }
        let run = try #require(FixtureRun.all.first { $0.caseName == "loadbalancer-source-ranges" })
        let planned = Set(RestoreRenderer.text(try plan(run)).split(separator: "\n").map(String.init))
        #expect(lines.count >= 20)
        for line in lines {
            #expect(planned.contains(line), "README line not in the plan: \(line)")
        }
    }
}
