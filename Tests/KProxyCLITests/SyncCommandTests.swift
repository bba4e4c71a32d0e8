import Foundation
import KProxyTestSupport
import Testing

/// A fresh directory under the system's temporary directory, removed by the caller.
func temporaryDirectory() throws -> URL {
    let directory = FileManager.default.temporaryDirectory
        .appendingPathComponent("kproxy-cli-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    return directory
}

@Suite struct SyncCommandTests {
    @Test(arguments: FixtureRun.all)
    func dryRunPrintsTheGoldenRules(_ fixture: FixtureRun) throws {
        let result = try run(fixture.syncArguments)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stderr == "")
        assertGolden(result.stdout, fixture.golden)
    }

    @Test func aDirectoryIsReadWithItsConfiguration() throws {
        let result = try run(["sync", "--dry-run", "-f", "Fixtures/cases/kube-dns"])
        #expect(result.status == 0, "\(result.stderr)")
        assertGolden(result.stdout, "Fixtures/golden/sync/kube-dns.iptables")
    }

    @Test func filesMayRepeat() throws {
        // The Node in one file, everything else in another: the same rules.
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let cluster = try String(contentsOfFile: packagePath("Fixtures/cases/kube-dns/cluster.yaml"), encoding: .utf8)
        let documents = cluster.components(separatedBy: "\n---\n")
        let isNode = { (document: String) in document.contains("\nkind: Node\n") || document.hasPrefix("kind: Node\n") }
        try #require(documents.filter(isNode).count == 1)
        let nodeFile = directory.appendingPathComponent("node.yaml").path
        let restFile = directory.appendingPathComponent("rest.yaml").path
        try documents.filter(isNode).joined(separator: "\n---\n").write(toFile: nodeFile, atomically: true, encoding: .utf8)
        try documents.filter { !isNode($0) }.joined(separator: "\n---\n").write(toFile: restFile, atomically: true, encoding: .utf8)
        let result = try run(["sync", "--dry-run", "--config", "Fixtures/cases/kube-dns/kube-proxy.yaml", "-f", restFile, "-f", nodeFile])
        #expect(result.status == 0, "\(result.stderr)")
        assertGolden(result.stdout, "Fixtures/golden/sync/kube-dns.iptables")
    }

    static let trafficPolicy = ["sync", "--dry-run", "--config", "Fixtures/cases/nodeport-traffic-policy/kube-proxy.yaml",
                                "-f", "Fixtures/cases/nodeport-traffic-policy/cluster.yaml"]

    @Test func aMissingNodeExitsTwoAndNamesTheNodesFound() throws {
        let result = try run(Self.trafficPolicy + ["--hostname-override", "ghost"])
        #expect(result.status == 2)
        #expect(result.stdout == "")
        #expect(result.stderr == """
            kproxy-iptables: no Node named "ghost" in the manifests (Nodes found: worker-1); add it, name another with \
            --hostname-override, or give its IPs with --node-ip

            """)
    }

    @Test func nodeIPStandsInForAMissingNode() throws {
        let result = try run(Self.trafficPolicy + ["--hostname-override", "ghost", "--node-ip", "192.168.1.10"])
        #expect(result.status == 0, "\(result.stderr)")
        // NodePorts now answer on the given IP, and no endpoint is local to "ghost".
        #expect(result.stdout.contains("-d 192.168.1.10 -j KUBE-NODEPORTS\n"))
        #expect(!result.stdout.contains("192.168.1.11"))
        #expect(result.stdout.contains("has no local endpoints"))
    }

    @Test func nodeIPOverridesTheNodesAddresses() throws {
        let result = try run(Self.trafficPolicy + ["--node-ip", "192.168.1.12"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("-d 192.168.1.12 -j KUBE-NODEPORTS\n"))
        // Everything else is the Node's own plan: the local endpoints are still local.
        let golden = try String(contentsOfFile: packagePath("Fixtures/golden/sync/nodeport-traffic-policy.iptables"), encoding: .utf8)
        #expect(result.stdout.replacingOccurrences(of: "192.168.1.12", with: "192.168.1.11") == golden)
    }

    @Test func anInvalidNodeIPIsAUsageError() throws {
        let result = try run(Self.trafficPolicy + ["--node-ip", "192.168.1.300"])
        #expect(result.status == 64)
        #expect(result.stderr.contains("--node-ip 192.168.1.300 is not an IP address."))
    }

    @Test func ipFamilyPicksTheOtherFamily() throws {
        let result = try run(["sync", "--dry-run", "-f", "Fixtures/cases/dual-stack", "--ip-family", "ipv6"])
        #expect(result.status == 0, "\(result.stderr)")
        assertGolden(result.stdout, "Fixtures/golden/sync/dual-stack.ip6tables")
        #expect(try run(["sync", "--dry-run", "-f", "Fixtures/cases/dual-stack", "--ip-family", "ipx"]).status == 64)
    }

    @Test func invalidInputPrintsNoRulesAndExitsTwo() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("bad.yaml").path
        let cluster = try String(contentsOfFile: packagePath("Fixtures/cases/kube-dns/cluster.yaml"), encoding: .utf8)
        try (cluster + "\n---\napiVersion: v1\nkind: Service\nmetadata: {name: \"bad name\", namespace: prod}\nspec:\n  ports:\n  - port: 80\n")
            .write(toFile: file, atomically: true, encoding: .utf8)
        let result = try run(["sync", "--dry-run", "--config", "Fixtures/cases/kube-dns/kube-proxy.yaml", "-f", file])
        #expect(result.status == 2)
        #expect(result.stdout == "")
        #expect(result.stderr.contains("Service prod/bad name: metadata.name: Invalid value: \"bad name\""))
        #expect(result.stderr.hasSuffix("1 problem found; nothing was used.\n"))
    }

    @Test func dryRunAndWatchDoNotMix() throws {
        let result = try run(Self.trafficPolicy + ["--watch"])
        #expect(result.status == 64)
        #expect(result.stderr.contains("--dry-run and --watch cannot be used together."))
    }

    @Test func helpExplainsTheCommand() throws {
        let result = try run(["sync", "--help"])
        #expect(result.status == 0)
        for text in ["--dry-run", "--hostname-override <name>", "--node-ip <ip>", "--ip-family <family>", "  2   invalid manifests",
                     "--backend <backend>", "--watch", "--verbose"] {
            #expect(result.stdout.contains(text), "\(text)")
        }
    }
}

@Suite struct TraceCommandTests {
    @Test func tracesAPacketAsJSON() throws {
        let result = try run(["trace", "-f", "Fixtures/cases/overall-mixed", "--from", "10.244.1.5", "--to", "10.96.200.11:80",
                              "--output", "json"])
        #expect(result.status == 0, "\(result.stderr)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        let outcomes = try #require(object["outcomes"] as? [[String: Any]])
        #expect(outcomes.count == 3)
        #expect(abs(outcomes.compactMap { $0["probability"] as? Double }.reduce(0, +) - 1) < 1e-9)
        #expect(outcomes.allSatisfy { $0["verdict"] as? String == "DNAT" && $0["masquerade"] as? Bool == false })
        #expect((object["path"] as? [[String: Any]])?.isEmpty == false)
        #expect((object["rulesEvaluated"] as? Double ?? 0) > 1)
    }

    @Test func tracesAsText() throws {
        let result = try run(["trace", "-f", "Fixtures/cases/overall-mixed", "--from", "10.244.1.5", "--to", "10.96.200.13:443", "-v"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.hasPrefix("tcp 10.244.1.5 -> 10.96.200.13:443 in on cni0:\n  REJECT p=1.0000\nrules evaluated: "))
        #expect(result.stdout.contains("\nrules matched:\n"))
        #expect(result.stdout.contains("filter KUBE-SERVICES #1: -m comment --comment \"prod/payments:https has no endpoints\""))
    }

    @Test func badPacketsAreUsageErrors() throws {
        #expect(try run(["trace", "-f", "Fixtures/cases/kube-dns", "--from", "10.244.1.5", "--to", "10.96.0.10"]).status == 64)
        #expect(try run(["trace", "-f", "Fixtures/cases/kube-dns", "--from", "nowhere", "--to", "10.96.0.10:53/udp"]).status == 64)
        #expect(try run(["trace", "-f", "Fixtures/cases/kube-dns", "--from", "fd00::1", "--to", "10.96.0.10:53/udp"]).status == 64)
    }

    @Test func verifyPassesOnEveryCase() throws {
        for name in fixtureCases {
            let result = try run(["verify", "-f", "Fixtures/cases/\(name)/cluster.yaml", "--config", "Fixtures/cases/\(name)/kube-proxy.yaml"])
            #expect(result.status == 0, "\(name): \(result.stdout)\(result.stderr)")
            #expect(result.stdout.hasSuffix("every one ends where the model says.\n"))
        }
    }
}
