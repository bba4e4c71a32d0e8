import IptablesBackend
import ServiceModel
import Testing

/// Rules the kernel would refuse are refused before anything is applied, naming the chain:
/// `validate` and `encode` agree on every such rule.
@Suite struct EntryValidationTests {
    static let refused: [(String, Table, Rule)] = [
        ("DROP in nat", .nat, Rule([], .drop)),
        ("--dport without a protocol", .nat, Rule([.destinationPort(80)], .accept)),
        ("an IPv6 address in an IPv4 table", .nat, Rule([.destination(.host(IPAddress("fd00::1")!))], .accept)),
        ("an IPv6 DNAT in an IPv4 table", .nat, Rule([.protocol(.tcp)], .dnat(IPAddress("fd00::1")!, port: 80))),
        ("a comment over 255 bytes", .filter, Rule([.comment(String(repeating: "x", count: 256))], .accept)),
    ]

    @Test(arguments: refused.indices)
    func refusedByValidateAndByEncode(index: Int) {
        let (what, table, rule) = Self.refused[index]
        var encoder = EntryEncoder(family: .ipv4)
        #expect(throws: IptablesError.self, "\(what)") {
            try encoder.validate(rule, table: table, chain: .services)
        }
        #expect(throws: IptablesError.self, "\(what)") {
            try encoder.encode(rule, table: table, chain: .services)
        }
    }

    @Test func acceptedRulesEncode() throws {
        var encoder = EntryEncoder(family: .ipv4)
        let rule = Rule([.comment("prod/web:http cluster IP"), .protocol(.tcp), .destination(.host(IPAddress("10.96.0.1")!)),
                         .destinationPort(80)], .jump(.markMasquerade))
        try encoder.validate(rule, table: .nat, chain: .services)
        try encoder.encode(rule, table: .nat, chain: .services)
        #expect(encoder.bytes.count > encoder.headerSize)
    }
}
