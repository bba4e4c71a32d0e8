import IptablesBackend
import KProxyTestSupport
import ProxyCore
import ServiceModel
import Testing

/// Reading `iptables-save` lines back into rules, as an nft host's tables are read.
@Suite struct SaveFormParserTests {
    /// Every rule of every reference plan survives save form → rule → save form unchanged,
    /// and the rule read back sends packets where the planned one does (the same matches and
    /// target, whatever their order).
    @Test(arguments: FixtureRun.all)
    func everyPlannedRuleReadsBack(_ run: FixtureRun) throws {
        let ruleset = try plan(run)
        let parser = SaveFormParser(family: ruleset.family)
        for table in ruleset.tables {
            for chain in table.chains {
                for rule in chain.rules {
                    let text = SaveFormRenderer.text(rule, family: ruleset.family)
                    let read = try parser.rule(text)
                    #expect(SaveFormRenderer.text(read, family: ruleset.family) == text)
                    #expect(read.target == rule.target, "\(chain.name): \(text)")
                    #expect(Set(read.matches.map(\.sameMeaning)) == Set(rule.matches.map(\.sameMeaning)), "\(chain.name): \(text)")
                }
            }
        }
    }

    struct Line: Sendable, CustomTestStringConvertible {
        var text: String
        var outcome: String
        var testDescription: String { text }
    }

    /// Lines iptables-save prints for rules we never write: each is refused, naming why.
    static let unreadable: [Line] = [
        Line(text: "-o eth0 -j ACCEPT", outcome: "'-o'"),
        Line(text: "-m set --match-set allowed src -j ACCEPT", outcome: "match '-m set'"),
        Line(text: "-p tcp -m tcp --dport 1000:2000 -j DROP", outcome: "port '1000:2000'"),
        Line(text: "-p tcp -m tcp --sport 53 -j ACCEPT", outcome: "'--sport'"),
        Line(text: "! -p tcp -j DROP", outcome: "protocol '! tcp'"),
        Line(text: "-j LOG --log-prefix x", outcome: "'--log-prefix'"),
        Line(text: "-j MARK --set-xmark 0x4000/0xffff", outcome: "MARK --set-xmark with mask 0xffff"),
        Line(text: "-j REJECT --reject-with tcp-reset", outcome: "REJECT with 'tcp-reset'"),
        Line(text: "-m addrtype --dst-type BROADCAST -j DROP", outcome: "an address type other than LOCAL"),
        Line(text: "-m comment --comment \"open -j DROP", outcome: "unterminated quote"),
    ]

    @Test(arguments: unreadable)
    func otherRulesAreRefusedByName(_ line: Line) {
        #expect {
            _ = try SaveFormParser(family: .ipv4).rule(line.text)
        } throws: { error in
            (error as? SaveFormParser.Unreadable)?.reason.contains(line.outcome) == true
        }
    }

    /// Forms iptables-save prints that our renderer never does, read as the rules they are.
    @Test func defaultsSpelledOutOrLeftOutReadTheSame() throws {
        let parser = SaveFormParser(family: .ipv4)
        #expect(try parser.rule("-m mark --mark 0x4000 -j RETURN")
                == Rule([.mark(PacketMark(value: 0x4000, mask: .max))], .return))
        #expect(try parser.rule("-j REJECT") == Rule([], .reject))
        #expect(try parser.rule("-s 10.0.0.0/8 -d 10.1.2.3/32 -j ACCEPT")
                == Rule([.source(.network(IPPrefix("10.0.0.0/8")!)), .destination(.host(IPAddress("10.1.2.3")!))], .accept))
        #expect(try SaveFormParser(family: .ipv6).rule("-j DNAT --to-destination [fd00::5]:8080")
                == Rule([], .dnat(IPAddress("fd00::5")!, port: 8080)))
    }
}

extension Match {
    /// The match with an address's spelling (bare host or /32 network) set aside.
    var sameMeaning: String {
        switch self {
        case .source(let address, let negated): return "s \(negated) \(address.prefix)"
        case .destination(let address, let negated): return "d \(negated) \(address.prefix)"
        default: return "\(self)"
        }
    }
}
