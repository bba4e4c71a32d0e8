@testable import IptablesBackend
import KProxyTestSupport
import ServiceModel
import Testing

/// How the iptables-restore backend shapes its inputs (the kernel side is in the CLI tests).
@Suite struct RestoreApplierTests {
    static func largeRuleset() throws -> Ruleset {
        try plan(try #require(FixtureRun.all.first { $0.caseName == "large-cluster" }))
    }

    @Test func newChainsGoAheadInBatchesAfterTheirJumpTargets() throws {
        let ruleset = try Self.largeRuleset()
        let (inputs, reports) = RestoreApplier(mode: .iptablesNft).restoreInputs(ruleset, changes: nil, saved: [:])
        let chainCount = ruleset.tables.reduce(0) { $0 + $1.chains.count }
        #expect(inputs.count > 2, "a large first sync is split")
        var declared: Set<String> = ["ACCEPT", "DROP", "RETURN", "REJECT", "DNAT", "MASQUERADE", "MARK"]
        for input in inputs {
            let lines = input.split(separator: "\n")
            let chains = lines.filter { $0.hasPrefix(":") }.map { String($0.dropFirst().prefix { $0 != " " }) }
            #expect(chains.count <= RestoreApplier.batchSize + 16)
            declared.formUnion(chains)
            for line in lines where line.hasPrefix("-A ") || line.hasPrefix("-I ") {
                let target = line.components(separatedBy: " -j ").last.map { String($0.prefix { $0 != " " }) }
                if let target { #expect(declared.contains(target), "\(target) used before it exists") }
            }
        }
        // Only the last input reaches the built-in chains, and it brings the canary.
        #expect(inputs.dropLast().allSatisfy { !$0.contains("-I ") && !$0.contains("KPROXY-CANARY") })
        #expect(inputs.last?.contains(":KPROXY-CANARY - [0:0]") == true)
        #expect(inputs.last?.contains("-I PREROUTING 1 ") == true)
        #expect(reports.reduce(0) { $0 + $1.written.count } == chainCount)
    }

    @Test func aPartialSyncIsOneInputOfTheChangedChains() throws {
        let runs = FixtureRun.all.filter { $0.caseName == "sequence-add-endpoint" }
        let (before, after) = (try plan(runs[0]), try plan(runs[1]))
        let changes = after.diff(from: before)
        var saved: [Table: SavedTable] = [:]
        // What a partial snapshot holds: the canary, the chains to write, the built-in chains.
        for table in before.tables {
            let save = changes[table.table].written.map { ":\($0) - [0:0]" }.joined(separator: "\n") + "\n:KPROXY-CANARY - [0:0]\n"
                + BuiltinJump.needed(by: before).filter { $0.table == table.table }
                .map { "-A \($0.chain) \(SaveFormRenderer.text($0.rule, family: .ipv4))" }.joined(separator: "\n")
            saved[table.table] = SavedTable(save)
        }
        let (inputs, _) = RestoreApplier(mode: .iptablesNft).restoreInputs(after, changes: changes, saved: saved)
        #expect(inputs.count == 1)
        let declared = inputs[0].split(separator: "\n").filter { $0.hasPrefix(":") }
        #expect(declared == [":KUBE-SEP-6UEKWZ53R7GPISS2 - [0:0]", ":KUBE-SVC-I6F7J7E256H6PY43 - [0:0]"])
        #expect(!inputs[0].contains("-I "), "jumps already present are not inserted again")
    }

    @Test func saveFormIsHowIptablesPrintsInstalledRules() {
        let masquerade = Rule([.comment("prod/web:http cluster IP"), .protocol(.tcp),
                               .destination(.host(IPAddress("10.96.0.10")!)), .destinationPort(80),
                               .inInterface("cali+", negated: true)], .jump(.markMasquerade))
        #expect(SaveFormRenderer.text(masquerade, family: .ipv4)
                == "-d 10.96.0.10/32 ! -i cali+ -p tcp -m comment --comment \"prod/web:http cluster IP\" -m tcp --dport 80 -j KUBE-MARK-MASQ")
        #expect(SaveFormRenderer.text(Rule([.statistic(Probability(oneIn: 3))], .accept), family: .ipv4)
                == "-m statistic --mode random --probability 0.33333333349 -j ACCEPT")
        #expect(SaveFormRenderer.text(Rule([], .orMark(0x4000)), family: .ipv4) == "-j MARK --set-xmark 0x4000/0x4000")
        #expect(SaveFormRenderer.text(Rule([], .xorMark(0x4000)), family: .ipv4) == "-j MARK --set-xmark 0x4000/0x0")
        #expect(SaveFormRenderer.text(Rule([.conntrackState([.dnat, .established, .related], negated: true)], .drop), family: .ipv4)
                == "-m conntrack ! --ctstate RELATED,ESTABLISHED,DNAT -j DROP")
        #expect(SaveFormRenderer.text(Rule([.protocol(.udp)], .reject), family: .ipv6)
                == "-p udp -m udp -j REJECT --reject-with icmp6-port-unreachable")
    }
}
