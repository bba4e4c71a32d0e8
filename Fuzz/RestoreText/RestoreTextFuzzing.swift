import FuzzMain
import IptablesBackend
import ServiceModel

/// One input read as `iptables-save` output (``SavedTable``), and each of its rules read
/// back by ``SaveFormParser`` for both families, as `diff` and `trace --live` read an nft
/// host's tables. Unreadable rules are expected; a crash or a hang is a finding.
func fuzzRestoreText(_ bytes: [UInt8]) {
    let table = SavedTable(String(decoding: bytes, as: UTF8.self))
    for family in [IPFamily.ipv4, .ipv6] {
        let parser = SaveFormParser(family: family)
        for rules in table.rules.values {
            for rule in rules { _ = try? parser.rule(rule) }
        }
    }
}

@main
enum RestoreTextFuzzing {
    static func main() {
        FuzzMain.run(fuzzRestoreText)
    }
}
