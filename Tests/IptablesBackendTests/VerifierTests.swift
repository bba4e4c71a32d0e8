import IptablesBackend
import KProxyTestSupport
import ServiceModel
import Testing

/// `verify`: every fixture's plan passes, and a plan broken on purpose fails with a message
/// naming the service port and the way in.
@Suite struct VerifierTests {
    @Test(arguments: FixtureRun.all)
    func everyFixturePasses(_ run: FixtureRun) throws {
        let (ruleset, settings, catalog) = try planned(run)
        let (mismatches, flows) = RulesetVerifier(settings: settings).verify(ruleset, catalog: catalog)
        #expect(flows > 0)
        #expect(mismatches.isEmpty, "\(mismatches.map(\.description).joined(separator: "\n"))")
    }

    /// A change to one rule of a ruleset.
    struct Mutation: CustomTestStringConvertible, Sendable {
        var name: String
        var table: Table
        /// Picks the chain to change.
        var chain: @Sendable (ChainName) -> Bool
        /// Changes its rules; returns false when it found nothing to change.
        var change: @Sendable (inout [Rule]) -> Bool
        /// Whether the mutation can change any packet's fate in this catalog.
        var matters: @Sendable (ServiceCatalog) -> Bool = { _ in true }
        var testDescription: String { name }
    }

    static let mutations: [Mutation] = [
        Mutation(name: "an endpoint jump deleted", table: .nat, chain: { $0.description.hasPrefix("KUBE-SVC-") }) { rules in
            guard let index = rules.lastIndex(where: { $0.target?.jumpedChain?.description.hasPrefix("KUBE-SEP-") == true }),
                  rules.filter({ $0.target?.jumpedChain?.description.hasPrefix("KUBE-SEP-") == true }).count > 1 else { return false }
            rules.remove(at: index)
            return true
        },
        Mutation(name: "a probability changed", table: .nat, chain: { $0.description.hasPrefix("KUBE-SVC-") }) { rules in
            guard let index = rules.firstIndex(where: { $0.matches.contains { if case .statistic = $0 { true } else { false } } }) else { return false }
            rules[index].matches = rules[index].matches.map { if case .statistic = $0 { .statistic(Probability(oneIn: 7)) } else { $0 } }
            return true
        },
        Mutation(name: "a DNAT port changed", table: .nat, chain: { $0.description.hasPrefix("KUBE-SEP-") }) { rules in
            guard let index = rules.firstIndex(where: { if case .dnat = $0.target { true } else { false } }),
                  case .dnat(let address, let port) = rules[index].target else { return false }
            rules[index].target = .dnat(address, port: port + 1)
            return true
        },
        Mutation(name: "the NodePorts jump removed", table: .nat, chain: { $0 == .services }, change: { rules in
            let before = rules.count
            rules.removeAll { $0.target == .jump(.nodePorts) }
            return rules.count != before
        }, matters: { catalog in
            catalog.servicePorts.contains { $0.port.nodePort != nil && $0.endpoints.contains { $0.isReady } }
        }),
        Mutation(name: "a service's capture rule on the wrong port", table: .nat, chain: { $0 == .services }) { rules in
            guard let index = rules.firstIndex(where: { $0.target?.jumpedChain?.description.hasPrefix("KUBE-SVC-") == true }) else { return false }
            rules[index].matches = rules[index].matches.map { if case .destinationPort(let port) = $0 { .destinationPort(port + 1) } else { $0 } }
            return true
        },
        Mutation(name: "a REJECT removed", table: .filter, chain: { $0 == .services || $0 == .externalServices }) { rules in
            guard let index = rules.firstIndex(where: { $0.target == .reject }) else { return false }
            rules.remove(at: index)
            return true
        },
        Mutation(name: "a source-range allow rule removed", table: .nat, chain: { $0.description.hasPrefix("KUBE-FW-") }) { rules in
            guard let index = rules.firstIndex(where: { $0.matches.contains { if case .source = $0 { true } else { false } } }) else { return false }
            rules.remove(at: index)
            return true
        },
        Mutation(name: "the local endpoint chain emptied", table: .nat, chain: { $0.description.hasPrefix("KUBE-SVL-") }) { rules in
            guard !rules.isEmpty else { return false }
            rules.removeAll()
            return true
        },
    ]

    @Test(arguments: mutations)
    func aBrokenRuleIsCaught(_ mutation: Mutation) throws {
        var caught = 0
        var applied = 0
        for run in FixtureRun.all {
            let (ruleset, settings, catalog) = try planned(run)
            var broken = ruleset
            guard let tableIndex = broken.tables.firstIndex(where: { $0.table == mutation.table }),
                  let chainIndex = broken.tables[tableIndex].chains.firstIndex(where: { mutation.chain($0.name) }),
                  mutation.matters(catalog),
                  mutation.change(&broken.tables[tableIndex].chains[chainIndex].rules) else { continue }
            applied += 1
            let (mismatches, _) = RulesetVerifier(settings: settings).verify(broken, catalog: catalog)
            if !mismatches.isEmpty {
                caught += 1
                #expect(mismatches[0].description.contains(mismatches[0].servicePort.description))
            }
        }
        #expect(applied > 0, "the mutation found nothing to break")
        #expect(caught == applied, "caught \(caught) of \(applied)")
    }
}
