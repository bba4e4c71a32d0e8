import Foundation
@testable import IptablesBackend
import KProxyTestSupport
import ProxyCore
import ServiceModel
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// The libiptc helper's side, run in this process inside throwaway namespaces: a request
/// applied whole gives the tables an in-process apply gives, and a request cut short, or a
/// partial one meeting a table that needs a full sync, changes nothing.
@Suite(.enabled(if: NetworkNamespace.isAvailable && NetworkNamespace.which("iptables-legacy-save") != nil,
                "\(NetworkNamespace.unavailableReason ?? "needs iptables-legacy (apt install iptables)")"))
struct LibiptcHelperTests {
    let lockPath = FileManager.default.temporaryDirectory.appendingPathComponent("kproxy-helper-test-\(getpid()).lock").path
    let ruleset: Ruleset

    init() throws {
        ruleset = try plan(try #require(FixtureRun.all.first { $0.caseName == "overall-mixed" && $0.family == nil }))
    }

    /// The bytes the applier streams to a helper for `table`, and its plan.
    func request(_ table: Table, changes: RulesetChanges.TableChanges? = nil) throws -> (bytes: [UInt8], plan: StagingPlan) {
        let rules = try #require(ruleset[table])
        let (plan, chains) = StagingPlan.make(rules, changes: changes, full: changes == nil)
        let request = HelperRequest(family: ruleset.family, table: table, lockPath: lockPath, lockTimeout: .seconds(5),
                                    plan: plan, jumps: try EncodedJump.needed(by: ruleset)[table] ?? [])
        let bytes = try withTemporaryFile { descriptor in
            var writer = WireWriter(descriptor)
            try request.send(chains: chains, encoder: EntryEncoder(family: ruleset.family), to: &writer)
        }
        return (bytes, plan)
    }

    /// Runs the helper in `namespace` on `input` and decodes its outcome.
    func serve(_ input: [UInt8], plan: StagingPlan, in namespace: NetworkNamespace) throws -> HelperOutcome {
        let output = try withTemporaryFile { outputDescriptor in
            _ = try withTemporaryFile(holding: input) { inputDescriptor in
                let status = try namespace.inside { LibiptcHelper.respond(input: inputDescriptor, output: outputDescriptor) }
                #expect(status == 0)
            }
        }
        return try #require(HelperOutcome.decoded(output, plan: plan), "\(String(decoding: output, as: UTF8.self))")
    }

    func natSave(_ namespace: NetworkNamespace) throws -> String {
        try namespace.run(["iptables-legacy-save", "-t", "nat"], environment: ["XTABLES_LOCKFILE": lockPath]).check().stdout
            .split(separator: "\n").filter { !$0.hasPrefix("#") }.joined(separator: "\n")
    }

    @Test func aWholeRequestGivesWhatAnInProcessApplyGives() throws {
        let (whole, plan) = try request(.nat)
        try NetworkNamespace.with(count: 2) { namespaces in
            guard case .applied(let report) = try serve(whole, plan: plan, in: namespaces[0]) else {
                Issue.record("the helper did not apply the request")
                return
            }
            #expect(report.committed && report.full)
            // Names come back whole, whether sent as positions in the plan or not.
            #expect(Set(report.written) == Set(plan.chains))
            #expect(report.created == (plan.chains + [ChainName.canary.description]).sorted())
            #expect((report.applierPeakResidentKilobytes ?? 0) > 0)
            let ruleset = self.ruleset, lockPath = self.lockPath
            _ = try namespaces[1].inside { try LibiptcApplier(lockPath: lockPath).apply(ruleset, changes: nil) }
            #expect(try natSave(namespaces[0]) == natSave(namespaces[1]))
            // The same request again finds every chain in place and commits nothing.
            guard case .applied(let again) = try serve(whole, plan: plan, in: namespaces[0]) else {
                Issue.record("the helper did not apply the request again")
                return
            }
            #expect(!again.committed && again.written.isEmpty)
        }
    }

    @Test func aRequestCutShortCommitsNothing() throws {
        let (whole, plan) = try request(.nat)
        try NetworkNamespace.with { namespace in
            let before = try natSave(namespace)
            // In the header, in the chain names, among the chains, and just before the end mark.
            for length in [0, 6, 200, whole.count / 2, whole.count - 4] {
                let outcome = try serve(Array(whole.prefix(length)), plan: plan, in: namespace)
                guard case .failed(.helper(let message)) = outcome else {
                    Issue.record("cut at \(length) of \(whole.count) bytes: \(outcome)")
                    continue
                }
                #expect(message.contains("cut short"), "cut at \(length): \(message)")
                #expect(try natSave(namespace) == before, "cut at \(length) changed the table")
            }
        }
    }

    @Test func aPartialRequestForATableWithoutItsCanaryAsksForAFullOne() throws {
        let rules = try #require(ruleset[.nat])
        let changes = RulesetChanges.TableChanges(table: .nat, written: Array(rules.chains.prefix(3).map(\.name)))
        let (partial, plan) = try request(.nat, changes: changes)
        try NetworkNamespace.with { namespace in
            let before = try natSave(namespace)
            let outcome = try serve(partial, plan: plan, in: namespace)
            guard case .needsFull = outcome else {
                Issue.record("expected a request for a full sync, got \(outcome)")
                return
            }
            #expect(try natSave(namespace) == before)
        }
    }
}

/// Runs `body` with a descriptor of a new temporary file holding `contents`, and returns
/// what the file holds afterwards.
private func withTemporaryFile(holding contents: [UInt8] = [], _ body: (Int32) throws -> Void) throws -> [UInt8] {
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("kproxy-helper-\(UUID().uuidString)").path
    try Data(contents).write(to: URL(fileURLWithPath: path))
    defer { try? FileManager.default.removeItem(atPath: path) }
    let descriptor = open(path, O_RDWR)
    guard descriptor >= 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
    defer { close(descriptor) }
    try body(descriptor)
    return Array(try Data(contentsOf: URL(fileURLWithPath: path)))
}
