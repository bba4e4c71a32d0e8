import IptablesBackend
import KProxyTestSupport
import ServiceModel
import Testing

/// Properties that hold for any cluster: checked on generated clusters of every Service
/// shape, for both families, from fixed seeds (a failure names its seed).
@Suite struct PlannerPropertyTests {
    static let seeds: [UInt64] = Array(1...12)

    static func cases() -> [(seed: UInt64, family: IPFamily)] {
        seeds.flatMap { seed in [(seed, IPFamily.ipv4), (seed, IPFamily.ipv6)] }
    }

    /// The plan of the 40-service cluster generated from `seed`.
    static func generatedRuleset(seed: UInt64, family: IPFamily) throws -> Ruleset {
        var generator = ClusterGenerator(seed: seed)
        let cluster = generator.cluster(services: 40)
        return try planned(cluster.yaml(family: family), configuration: cluster.configuration, family: family)
    }

    @Test(arguments: seeds)
    func sameInputInAnyOrderGivesTheSameBytes(seed: UInt64) throws {
        var generator = ClusterGenerator(seed: seed)
        let cluster = generator.cluster(services: 40)
        for family in [IPFamily.ipv4, .ipv6] {
            let text = try plannedText(cluster.yaml(family: family), configuration: cluster.configuration, family: family)
            #expect(try plannedText(cluster.yaml(family: family), configuration: cluster.configuration, family: family) == text)
            var shuffled = cluster
            for index in shuffled.services.indices { shuffled.services[index].endpoints.shuffle(using: &generator.random) }
            let documents = shuffled.documents(family: family).shuffled(using: &generator.random)
            let reordered = try plannedText(documents.joined(separator: "\n"), configuration: cluster.configuration, family: family)
            #expect(reordered == text, "seed \(seed) \(family): output depends on input order")
        }
    }

    @Test(arguments: cases())
    func everyEndpointGetsAnEqualShare(seed: UInt64, family: IPFamily) throws {
        let ruleset = try Self.generatedRuleset(seed: seed, family: family)
        let nat = try #require(ruleset[.nat])
        var checked = 0
        for chain in nat.chains where chain.name.description.hasPrefix("KUBE-SVC-") || chain.name.description.hasPrefix("KUBE-SVL-") {
            let shares = Self.shares(of: chain)
            #expect(!shares.isEmpty, "seed \(seed): \(chain.name) sends nowhere")
            for share in shares {
                #expect(abs(share - 1.0 / Double(shares.count)) < 1e-9,
                        "seed \(seed): \(chain.name) shares \(shares)")
            }
            // The printed probabilities (what the kernel gets) share out equally too.
            let printed = Self.printedShares(of: chain)
            #expect(printed.count == shares.count)
            for share in printed {
                #expect(abs(share - 1.0 / Double(printed.count)) < 1e-9, "seed \(seed): \(chain.name) printed \(printed)")
            }
            checked += 1
        }
        #expect(checked > 0, "seed \(seed) generated no service with endpoints")
    }

    @Test(arguments: [2, 3, 7, 10, 64, 1000, 2048])
    func largeEndpointSetsShareEqually(count: Int) throws {
        let endpoints = (0..<count).map { "10.244.\(2 + $0 / 250).\($0 % 250 + 1)@node-b" }
        let yaml = serviceYAML("big", spec: "clusterIP: 172.30.0.10\nports:\n- name: http\n  port: 80\n  targetPort: 8080")
            + stride(from: 0, to: count, by: 1000).map { start in
                "\n" + sliceYAML("big", name: "big-\(start)", endpoints: Array(endpoints[start..<min(count, start + 1000)]))
            }.joined()
        let ruleset = try planned(yaml)
        let chain = try #require(ruleset[.nat]?.chains.first { $0.name.description.hasPrefix("KUBE-SVC-") })
        let shares = Self.shares(of: chain)
        #expect(shares.count == count)
        #expect(shares.allSatisfy { abs($0 - 1.0 / Double(count)) < 1e-9 })
    }

    @Test(arguments: cases())
    func everyJumpedToChainIsDeclared(seed: UInt64, family: IPFamily) throws {
        let ruleset = try Self.generatedRuleset(seed: seed, family: family)
        for table in ruleset.tables {
            let declared = Set(table.chains.map(\.name))
            for chain in table.chains {
                for rule in chain.rules {
                    if let target = rule.target?.jumpedChain {
                        #expect(declared.contains(target), "seed \(seed): \(table.table) \(chain.name) jumps to undeclared \(target)")
                    }
                    for match in rule.matches {
                        if case .recent(let list, _) = match {
                            #expect(declared.contains(list), "seed \(seed): recent list \(list) names no chain")
                        }
                    }
                }
            }
            #expect(declared.count == table.chains.count, "seed \(seed): a chain is declared twice in \(table.table)")
        }
    }

    @Test(arguments: cases())
    func everyPerServiceChainIsReachable(seed: UInt64, family: IPFamily) throws {
        let ruleset = try Self.generatedRuleset(seed: seed, family: family)
        let nat = try #require(ruleset[.nat])
        var reached: Set<ChainName> = []
        var pending: [ChainName] = [.services, .nodePorts]
        while let name = pending.popLast() {
            guard reached.insert(name).inserted, let chain = nat[name] else { continue }
            pending += chain.rules.compactMap { $0.target?.jumpedChain }
        }
        for chain in nat.chains where chain.name.isServiceChain {
            #expect(reached.contains(chain.name), "seed \(seed): \(chain.name) is declared but nothing reaches it")
        }
    }

    @Test(arguments: cases())
    func ruleTextReadsBackToTheSameValues(seed: UInt64, family: IPFamily) throws {
        let ruleset = try Self.generatedRuleset(seed: seed, family: family)
        var renderer = RestoreRenderer()
        renderer.render(ruleset)
        let text = String(decoding: renderer.bytes, as: UTF8.self)
        #expect(text.split(separator: "\n", omittingEmptySubsequences: false).count == renderer.lineCount + 1)
        #expect(text.split(separator: "\n").filter { $0.hasPrefix("-A ") }.count == ruleset.ruleCount)
        let dump = try RestoreDump(text)
        #expect(dump.tableOrder == ["filter", "nat"])
        for table in ruleset.tables {
            for chain in table.chains {
                let read = dump.tables[table.table.rawValue]?.rules[chain.name.description] ?? []
                try #require(read.count == chain.rules.count, "seed \(seed): \(chain.name) reads back \(read.count) rules")
                for (rule, words) in zip(chain.rules, read) {
                    Self.expectWords(words, carry: rule, seed: seed)
                }
            }
        }
    }

    /// Every value a rule holds appears as one word, unchanged, when the line is split the
    /// way iptables-restore splits it.
    static func expectWords(_ words: [String], carry rule: Rule, seed: UInt64) {
        func word(after flag: String, negated: Bool = false) -> String? {
            guard let index = words.firstIndex(of: flag), index + 1 < words.count else { return nil }
            if negated { #expect(index > 0 && words[index - 1] == "!", "seed \(seed): \(flag) not negated in \(words)") }
            return words[index + 1]
        }
        for match in rule.matches {
            switch match {
            case .comment(let text):
                #expect(word(after: "--comment") == text, "seed \(seed): comment \(text) reads back as \(words)")
            case .source(let address, let negated):
                #expect(word(after: "-s", negated: negated) == address.description)
            case .destination(let address, let negated):
                #expect(word(after: "-d", negated: negated) == address.description)
            case .destinationPort(let port):
                #expect(word(after: "--dport") == String(port))
            case .statistic(let probability):
                #expect(word(after: "--probability").flatMap(Double.init).map { abs($0 - probability.value) < 5e-11 } == true)
            case .recent(let name, _):
                #expect(word(after: "--name") == name.description)
            default:
                break
            }
        }
        if case .dnat(let address, let port) = rule.target {
            let expected = address.family == .ipv6 ? "[\(address)]:\(port)" : "\(address):\(port)"
            #expect(word(after: "--to-destination") == expected)
        }
        if let chain = rule.target?.jumpedChain {
            #expect(words.suffix(2) == ["-j", chain.description])
        }
    }

    /// The share of new connections each endpoint jump of a KUBE-SVC/SVL chain receives,
    /// from the typed probabilities.
    static func shares(of chain: Chain) -> [Double] {
        var remaining = 1.0
        var shares: [Double] = []
        for rule in chain.rules {
            guard let target = rule.target?.jumpedChain, target.description.hasPrefix("KUBE-SEP-") else { continue }
            if rule.matches.contains(where: { if case .recent = $0 { return true } else { return false } }) { continue }
            let probability = rule.matches.lazy.compactMap { match -> Double? in
                if case .statistic(let probability) = match { return probability.value }
                return nil
            }.first ?? 1
            shares.append(remaining * probability)
            remaining *= 1 - probability
        }
        return shares
    }

    /// The same from the rendered ten-decimal text.
    static func printedShares(of chain: Chain) -> [Double] {
        var remaining = 1.0
        var shares: [Double] = []
        for rule in chain.rules {
            guard let target = rule.target?.jumpedChain, target.description.hasPrefix("KUBE-SEP-") else { continue }
            let words = (try? RestoreDump.split(RestoreRenderer.text(rule))) ?? []
            if words.contains("--rcheck") { continue }
            let probability = words.firstIndex(of: "--probability").flatMap { Double(words[$0 + 1]) } ?? 1
            shares.append(remaining * probability)
            remaining *= 1 - probability
        }
        return shares
    }
}
