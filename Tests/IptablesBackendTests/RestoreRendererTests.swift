import IptablesBackend
import KProxyTestSupport
import ServiceModel
import Testing

/// The text form of single values: how kube-proxy spells them, and that no value can break
/// a line apart.
@Suite struct RestoreRendererTests {
    @Test(arguments: [
        (1, "1.0000000000"), (2, "0.5000000000"), (3, "0.3333333333"), (7, "0.1428571429"),
        (2048, "0.0004882812"), (10240, "0.0000976563"), (51200, "0.0000195313"), (100001, "0.0000099999"),
    ])
    func probabilitiesHaveTenDecimals(denominator: Int, text: String) {
        #expect(Probability(oneIn: denominator).description == text)
    }

    @Test(arguments: [
        ("prod/web:http", "prod/web:http"),
        ("prod/web:http cluster IP", "\"prod/web:http cluster IP\""),
        ("say \"hi\"", "\"say \\\"hi\\\"\""),
        ("back\\slash", "\"back\\\\slash\""),
        ("line\nbreak", "\"line?break\""),
        ("tab\there", "\"tab?here\""),
        ("", "\"\""),
    ])
    func commentsAreQuotedAndEscaped(comment: String, rendered: String) throws {
        let rule = Rule([.comment(comment)], .accept)
        #expect(RestoreRenderer.text(rule) == "-m comment --comment \(rendered) -j ACCEPT")
    }

    @Test(arguments: ["plain", "two words", "a \"quoted\" word", "trailing\\", "new\nline", "'single'", "-j DROP"])
    func anyCommentSplitsBackToOneWord(comment: String) throws {
        let rule = Rule([.comment(comment), .protocol(.tcp), .destinationPort(80)], .drop)
        let words = try RestoreDump.split(RestoreRenderer.text(rule))
        let expected = String(comment.map { $0.isNewline || $0 == "\t" ? "?" : $0 })
        #expect(words == ["-m", "comment", "--comment", expected, "-m", "tcp", "-p", "tcp", "--dport", "80", "-j", "DROP"])
    }

    @Test func addressesAndTargetsAreSpelledLikeKubeProxy() {
        let host = IPAddress("10.244.1.5")!
        #expect(RestoreRenderer.text(Rule([.source(.host(host))], .jump(.markMasquerade))) == "-s 10.244.1.5 -j KUBE-MARK-MASQ")
        #expect(RestoreRenderer.text(Rule([.source(.network(IPPrefix("10.244.0.0/16")!), negated: true)], nil))
                == "! -s 10.244.0.0/16")
        #expect(RestoreRenderer.text(Rule([.destination(.network(IPPrefix("::1/128")!), negated: true)], nil)) == "! -d ::1/128")
        #expect(RestoreRenderer.text(Rule([.protocol(.sctp)], .dnat(IPAddress("fd00::5")!, port: 53)))
                == "-m sctp -p sctp -j DNAT --to-destination [fd00::5]:53")
        #expect(RestoreRenderer.text(Rule([.inInterface("veth+", negated: true)], .reject)) == "! -i veth+ -j REJECT")
        #expect(RestoreRenderer.text(Rule([.conntrackState([.related, .established])], .accept))
                == "-m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT")
        #expect(RestoreRenderer.text(Rule([.sourceIsLocal], .xorMark(0x4000))) == "-m addrtype --src-type LOCAL -j MARK --xor-mark 0x00004000")
        #expect(RestoreRenderer.text(Rule([.destinationIsLocal], .masquerade(randomFully: false))) == "-m addrtype --dst-type LOCAL -j MASQUERADE")
    }

    @Test func chainsAreDeclaredBeforeAnyRule() {
        let chain = ChainName("KUBE-TEST")!
        let ruleset = Ruleset(family: .ipv4, tables: [
            TableRules(.nat, chains: [Chain(.services, [Rule([], .jump(chain))]), Chain(chain, [Rule([], .return)])]),
        ])
        #expect(RestoreRenderer.text(ruleset) == """
            *nat
            :KUBE-SERVICES - [0:0]
            :KUBE-TEST - [0:0]
            -A KUBE-SERVICES -j KUBE-TEST
            -A KUBE-TEST -j RETURN
            COMMIT

            """)
    }

    /// The comparison the golden tests rely on notices what it should.
    @Test func restoreDumpComparesByMeaning() throws {
        let base = """
            *nat
            :KUBE-SERVICES - [0:0]
            :KUBE-SVC-A - [0:0]
            -A KUBE-SERVICES -d 10.0.0.1 -j KUBE-SVC-A
            -A KUBE-SERVICES -d 10.0.0.2 -j KUBE-SVC-A
            -A KUBE-SERVICES -m addrtype --dst-type LOCAL -j KUBE-NODEPORTS
            -A KUBE-SVC-A -m statistic --mode random --probability 0.5000000000 -j RETURN
            -A KUBE-SVC-A -j ACCEPT
            COMMIT
            """
        let lines = base.split(separator: "\n").map(String.init)
        func variant(_ change: (inout [String]) -> Void) throws -> [String] {
            var copy = lines
            change(&copy)
            return try RestoreDump(copy.joined(separator: "\n")).differences(from: RestoreDump(base))
        }
        #expect(try variant { $0.swapAt(3, 4) }.isEmpty, "dispatch order is free")
        #expect(try variant { $0.swapAt(4, 5) }.isEmpty == false, "the KUBE-NODEPORTS jump must stay last")
        #expect(try variant { $0.swapAt(6, 7) }.isEmpty == false, "endpoint chains keep their order")
        #expect(try variant { $0[3] = "-A KUBE-SERVICES -d 10.0.0.9 -j KUBE-SVC-A" }.isEmpty == false)
        #expect(try variant { $0.remove(at: 2) }.isEmpty == false)
        #expect(throws: RestoreDump.ParseError.self) { try RestoreDump("*nat\n-A X -m comment --comment \"open\nCOMMIT") }
    }
}
