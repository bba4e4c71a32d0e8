import Foundation
import KProxyTestSupport
import ProxyCore
import Testing

/// `sync`, `diff` and `cleanup` against the kernel, each test in namespaces of its own.
@Suite(.enabled(if: kernelUnavailable == nil, "\(kernelUnavailable ?? "")"))
struct ApplyTests {
    static let builtinChains: Set<String> = ["INPUT", "FORWARD", "OUTPUT", "PREROUTING", "POSTROUTING"]

    /// Save text without our canary and without rules in built-in chains.
    static func ourChains(_ save: String) -> String {
        save.split(separator: "\n").filter { line in
            !line.contains("KPROXY-CANARY") && !builtinChains.contains { line.hasPrefix("-A \($0) ") }
        }.joined(separator: "\n")
    }

    @Test(arguments: FixtureRun.all)
    func libiptcGivesTheSameTablesAsLegacyRestore(_ run: FixtureRun) throws {
        let ipv6 = try run.plannedFamily() == .ipv6
        let family = ["--ip-family", ipv6 ? "ipv6" : "ipv4"]
        try NetworkNamespace.with(count: 2) { namespaces in
            let (viaLibiptc, viaRestore) = (namespaces[0], namespaces[1])
            let synced = try cli(["sync", "--backend", "libiptc", "--config", packagePath(run.configuration),
                                  "-f", packagePath(run.manifest)] + family, in: viaLibiptc)
            try #require(synced.status == 0, "\(synced.stderr)")
            let text = try run0(run.syncArguments)
            let restored = try viaRestore.run([ipv6 ? "ip6tables-legacy-restore" : "iptables-legacy-restore"], input: text,
                                              environment: ["XTABLES_LOCKFILE": privateLock])
            try #require(restored.status == 0, "\(restored.stderr)")
            #expect(Self.ourChains(try legacySave(viaLibiptc, ipv6: ipv6)) == (try legacySave(viaRestore, ipv6: ipv6)))
            // Byte for byte: our own diff reads the restored tables through libiptc and finds
            // every planned rule; only the jumps from built-in chains (not in restore text) lack.
            let difference = try cli(["diff", "--config", packagePath(run.configuration), "-f", packagePath(run.manifest)] + family,
                                     in: viaRestore)
            #expect(difference.status == 0, "\(difference.stderr)")
            let blocks = difference.stdout.split(separator: "\n").filter { $0.hasPrefix("@@ ") }
            #expect(!blocks.isEmpty)
            for block in blocks {
                #expect(Self.builtinChains.contains(String(block.split(separator: " ")[2])), "differs: \(block)")
            }
        }
    }

    /// The CLI's dry-run text for `arguments` (run in the package root).
    func run0(_ arguments: some Sequence<String>) throws -> String {
        let result = try run(Array(arguments))
        try #require(result.status == 0, "\(result.stderr)")
        return result.stdout
    }

    static func sequence(_ step: Int) -> [String] {
        ["--config", packagePath("Fixtures/cases/sequence-add-endpoint/kube-proxy.yaml"),
         "-f", packagePath("Fixtures/cases/sequence-add-endpoint/cluster.step\(step).yaml")]
    }

    @Test func aSecondSyncCommitsNothing() throws {
        try NetworkNamespace.with { namespace in
            let first = try cli(["sync", "--backend", "libiptc"] + Self.sequence(1), in: namespace)
            try #require(first.status == 0, "\(first.stderr)")
            let second = try cli(["sync", "--backend", "libiptc"] + Self.sequence(1), in: namespace)
            #expect(second.stderr.contains("iptables full sync: filter: unchanged; nat: unchanged"), "\(second.stderr)")
        }
    }

    /// kube-proxy's own partial restore for the same change (kubeproxy-partial.step2): what
    /// our sync writes is a subset of the chains it declares, and from the same first state,
    /// the kernel after our sync equals the kernel after its restore, but for the order of
    /// the service rules in the dispatch chains, which kube-proxy writes in Go's map order
    /// and we sort.
    @Test func ourPartialSyncIsASubsetOfKubeProxysAndLeavesTheSameKernel() throws {
        let partial = try String(contentsOfFile: packagePath("Fixtures/cases/sequence-add-endpoint/kubeproxy-partial.step2.iptables"),
                                 encoding: .utf8)
        var declared: Set<String> = []
        var table = ""
        for line in partial.split(separator: "\n") {
            if line.hasPrefix("*") { table = String(line.dropFirst()) }
            if line.hasPrefix(":") { declared.insert(table + " " + line.dropFirst().prefix { $0 != " " }) }
        }
        try NetworkNamespace.with(count: 2) { namespaces in
            let (ours, kubeProxys) = (namespaces[0], namespaces[1])
            for namespace in namespaces {
                try #require(try cli(["sync", "--backend", "libiptc"] + Self.sequence(1), in: namespace).status == 0)
            }
            let synced = try cli(["sync", "--backend", "libiptc", "--verbose"] + Self.sequence(2), in: ours)
            try #require(synced.status == 0, "\(synced.stderr)")
            let written = Set(synced.stderr.split(separator: "\n").compactMap { line -> String? in
                guard line.hasPrefix("kproxy-iptables:   ") else { return nil }
                let words = line.split(separator: " ")
                return words.count == 4 && words[2] == "write" ? "\(words[1]) \(words[3])" : nil
            })
            #expect(!written.isEmpty)
            #expect(written.isSubset(of: declared), "written but not in kube-proxy's restore: \(written.subtracting(declared))")
            try kubeProxys.run(["iptables-legacy-restore", "--noflush"], input: partial,
                               environment: ["XTABLES_LOCKFILE": privateLock]).check()
            for table in ["filter", "nat"] {
                let (left, right) = (try legacySave(ours, table: table), try legacySave(kubeProxys, table: table))
                #expect(Self.dispatchOrderIgnored(left) == Self.dispatchOrderIgnored(right), "\(table)")
                #expect(left.count == right.count)
            }
        }
    }

    /// Another writer that does not take our xtables lock changes the nat table in bursts
    /// (thirty changes back to back, then 0.4 s of quiet) while syncs between a large
    /// cluster and a small one run: commits meet EAGAIN (or EINVAL when the counters go
    /// back), are tried again after a pause, and every sync ends with the table wholly as
    /// planned.
    @Test func aTableChangedUnderACommitIsTriedAgain() throws {
        let large = ["--config", packagePath("Fixtures/cases/large-cluster/kube-proxy.yaml"),
                     "-f", packagePath("Fixtures/cases/large-cluster/cluster.yaml"), "--hostname-override",
                     "node-a", "--node-ip", "10.0.0.1"]
        try NetworkNamespace.with { namespace in
            let racerLock = FileManager.default.temporaryDirectory.appendingPathComponent("kproxy-racer-\(getpid()).lock").path
            defer { try? FileManager.default.removeItem(atPath: racerLock) }
            let racer = Process()
            racer.executableURL = URL(fileURLWithPath: "/usr/sbin/ip")
            let change = "iptables-legacy -t nat -%@ OUTPUT -m comment --comment racer -j RETURN"
            racer.arguments = ["netns", "exec", namespace.name, "bash", "-c",
                               "while true; do for i in $(seq 15); do \(String(format: change, "A")); \(String(format: change, "D")); done; sleep 0.4; done"]
            racer.environment = ["XTABLES_LOCKFILE": racerLock, "PATH": "/usr/sbin:/usr/bin:/sbin:/bin"]
            try process(racer, startedFor: 0.2)
            defer { kill(-racer.processIdentifier, SIGKILL); racer.waitUntilExit() }
            var retried = false
            for round in 0..<30 where !retried {
                let input = round % 2 == 0 ? large : Self.sequence(1)
                let synced = try cli(["sync", "--backend", "libiptc"] + input, in: namespace)
                #expect(synced.status == 0, "\(synced.stderr)")
                retried = synced.stderr.contains(" attempts)")
                let difference = try cli(["diff", "--backend", "libiptc", "--exit-code"] + input, in: namespace)
                #expect(difference.status == 0, "\(difference.stdout)")
            }
            #expect(retried, "no commit met another writer's change in 30 syncs")
        }
    }

    /// Starts `process` and gives it `seconds` to get going.
    private func process(_ process: Process, startedFor seconds: Double) throws {
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        Thread.sleep(forTimeInterval: seconds)
    }

    /// Save text with the rules of each dispatch chain sorted, but for the NodePorts jump,
    /// which must stay last.
    static func dispatchOrderIgnored(_ save: String) -> [String] {
        let dispatch = ["KUBE-SERVICES", "KUBE-NODEPORTS", "KUBE-EXTERNAL-SERVICES"].map { "-A \($0) " }
        var lines: [String] = []
        var group: [String] = []
        func flush() {
            let last = group.last?.contains("kubernetes service nodeports") == true ? group.popLast() : nil
            lines += group.sorted() + (last.map { [$0] } ?? [])
            group = []
        }
        for line in save.split(separator: "\n").map(String.init) {
            if let prefix = dispatch.first(where: { line.hasPrefix($0) }) {
                if let first = group.first, !first.hasPrefix(prefix) { flush() }
                group.append(line)
            } else {
                flush()
                lines.append(line)
            }
        }
        flush()
        return lines
    }

    @Test func anEndpointChangeRewritesOnlyItsServicesChains() throws {
        try NetworkNamespace.with { namespace in
            try #require(try cli(["sync", "--backend", "libiptc"] + Self.sequence(1), in: namespace).status == 0)
            let second = try cli(["sync", "--backend", "libiptc", "--verbose"] + Self.sequence(2), in: namespace)
            #expect(second.status == 0)
            let actions = Set(second.stderr.split(separator: "\n").filter { $0.hasPrefix("kproxy-iptables:   ") })
            #expect(actions == [
                "kproxy-iptables:   nat write KUBE-SEP-6UEKWZ53R7GPISS2",
                "kproxy-iptables:   nat write KUBE-SVC-I6F7J7E256H6PY43",
            ], "\(second.stderr)")
            #expect(second.stderr.contains("filter: unchanged"))
        }
    }

    @Test func invalidInputAppliesNothing() throws {
        try NetworkNamespace.with { namespace in
            try #require(try cli(["sync", "--backend", "libiptc"] + Self.sequence(1), in: namespace).status == 0)
            let before = try legacySave(namespace)
            let bad = "apiVersion: v1\nkind: Service\nmetadata: {name: web, namespace: prod}\nspec:\n  ports:\n  - {port: 70000}\n"
            try withManifests(["bad.yaml": bad]) { directory in
                let result = try cli(["sync", "--backend", "libiptc", "-f", packagePath("Fixtures/cases/sequence-add-endpoint/cluster.step2.yaml"),
                                      "-f", directory, "--config", packagePath("Fixtures/cases/sequence-add-endpoint/kube-proxy.yaml")],
                                     in: namespace)
                #expect(result.status == 2)
                #expect(result.stderr.contains("spec.ports[0].port: Invalid value: 70000"))
            }
            #expect(try legacySave(namespace) == before)
        }
    }

    /// Another tool's chain and rules, in nat and filter.
    static func addOthersRules(_ namespace: NetworkNamespace) throws {
        for command in [["-A", "INPUT", "-s", "198.51.100.7", "-j", "DROP"], ["-N", "OTHER-TOOL"],
                        ["-A", "OTHER-TOOL", "-p", "tcp", "--dport", "22", "-j", "ACCEPT"], ["-A", "FORWARD", "-j", "OTHER-TOOL"],
                        ["-t", "nat", "-N", "OTHER-NAT"], ["-t", "nat", "-A", "PREROUTING", "-p", "udp", "--dport", "999", "-j", "OTHER-NAT"]] {
            try namespace.run(["iptables-legacy", "-w"] + command, environment: ["XTABLES_LOCKFILE": privateLock]).check()
        }
    }

    @Test func cleanupLeavesTheTablesAsTheyWere() throws {
        try NetworkNamespace.with { namespace in
            try Self.addOthersRules(namespace)
            let before = try legacySave(namespace)
            let synced = try cli(["sync", "--backend", "libiptc", "-f", packagePath("Fixtures/cases/overall-mixed")], in: namespace)
            try #require(synced.status == 0, "\(synced.stderr)")
            #expect(try legacySave(namespace) != before)
            let cleaned = try cli(["cleanup", "--backend", "libiptc"], in: namespace)
            #expect(cleaned.status == 0, "\(cleaned.stderr)")
            #expect(try legacySave(namespace) == before)
        }
    }

    @Test func diffShowsExactlyTheDriftAndSyncRepairsIt() throws {
        try NetworkNamespace.with { namespace in
            let input = ["-f", packagePath("Fixtures/cases/overall-mixed")]
            try #require(try cli(["sync", "--backend", "libiptc"] + input, in: namespace).status == 0)
            #expect(try cli(["diff"] + input, in: namespace).stdout == "")
            // Someone deletes the second rule of a service chain.
            let golden = try String(contentsOfFile: packagePath("Fixtures/golden/sync/overall-mixed.iptables"), encoding: .utf8)
            let chainRules = golden.split(separator: "\n").filter { $0.hasPrefix("-A KUBE-SVC-") }
            let chain = String(chainRules[0].split(separator: " ")[1])
            let victim = try #require(golden.split(separator: "\n").filter { $0.hasPrefix("-A \(chain) ") }.dropFirst().first)
            try namespace.run(["iptables-legacy", "-w", "-t", "nat", "-D", chain, "2"], environment: ["XTABLES_LOCKFILE": privateLock]).check()
            let drift = try cli(["diff"] + input, in: namespace)
            #expect(drift.stdout == "--- kernel (iptables)\n+++ planned\n@@ nat \(chain) @@\n+\(victim)\n")
            let repaired = try cli(["sync", "--backend", "libiptc", "--verbose"] + input, in: namespace)
            #expect(repaired.stderr.contains("nat write \(chain)\n"))
            #expect(try cli(["diff"] + input, in: namespace).stdout == "")
        }
    }

    @Test func coexistsWithAnotherIptablesWriter() throws {
        try NetworkNamespace.with { namespace in
            try Self.addOthersRules(namespace)
            // The other writer: adds and deletes a rule of its own in a loop, waiting for the lock.
            let loop = Process()
            loop.executableURL = URL(fileURLWithPath: "/usr/sbin/ip")
            loop.arguments = ["netns", "exec", namespace.name, "bash", "-c", """
                while true; do
                  iptables-legacy -w -A INPUT -s 192.0.2.1 -j ACCEPT
                  iptables-legacy -w -t nat -A OTHER-NAT -s 192.0.2.1 -j RETURN
                  iptables-legacy -w -D INPUT -s 192.0.2.1 -j ACCEPT
                  iptables-legacy -w -t nat -D OTHER-NAT -s 192.0.2.1 -j RETURN
                done
                """]
            loop.environment = ["XTABLES_LOCKFILE": privateLock, "PATH": "/usr/sbin:/usr/bin:/sbin:/bin"]
            loop.standardOutput = FileHandle.nullDevice
            loop.standardError = FileHandle.nullDevice
            try loop.run()
            // SIGKILL: the child inherits the test thread's blocked signals, so SIGTERM would wait.
            defer {
                kill(loop.processIdentifier, SIGKILL)
                loop.waitUntilExit()
            }
            var failures: [String] = []
            for index in 0..<50 {
                let result = try cli(["sync", "--backend", "libiptc"] + Self.sequence(index % 2 + 1), in: namespace)
                if result.status != 0 { failures.append(result.stderr) }
            }
            kill(loop.processIdentifier, SIGKILL)
            loop.waitUntilExit()
            #expect(failures.isEmpty, "\(failures.prefix(3))")
            let save = try legacySave(namespace)
            for rule in ["-A INPUT -s 198.51.100.7/32 -j DROP", "-A OTHER-TOOL -p tcp -m tcp --dport 22 -j ACCEPT",
                         "-A FORWARD -j OTHER-TOOL", "-A PREROUTING -p udp -m udp --dport 999 -j OTHER-NAT"] {
                #expect(save.contains(rule + "\n"), "lost: \(rule)")
            }
            #expect(try cli(["diff"] + Self.sequence(2), in: namespace).stdout == "")
        }
    }

    @Test func aKilledSyncLeavesEachTableWhollyOldOrWhollyNew() throws {
        let old = Self.sequence(1)
        let new = ["--config", packagePath("Fixtures/cases/large-cluster/kube-proxy.yaml"),
                   "-f", packagePath("Fixtures/cases/large-cluster/cluster.yaml"), "--hostname-override",
                   "node-a", "--node-ip", "10.0.0.1"]
        try NetworkNamespace.with { namespace in
            func tables() throws -> [String] { try ["filter", "nat"].map { try legacySave(namespace, table: $0) } }
            try #require(try cli(["sync", "--backend", "libiptc"] + new, in: namespace).status == 0)
            let newTables = try tables()
            try #require(try cli(["sync", "--backend", "libiptc"] + old, in: namespace).status == 0)
            let oldTables = try tables()
            // How long a sync to the new state takes (the longest of three), so the kills land
            // all over it: before, during and after its commits.
            let clock = ContinuousClock()
            var span = Duration.milliseconds(20)
            for _ in 0..<3 {
                try #require(try cli(["sync", "--backend", "libiptc"] + old, in: namespace).status == 0)
                let started = clock.now
                try #require(try cli(["sync", "--backend", "libiptc"] + new, in: namespace).status == 0)
                span = max(span, clock.now - started)
            }
            // Each kill takes the sync's whole process group (Process makes the child its
            // leader; the libiptc helpers are in it too), as a stopped container's processes
            // all go at once. The table state after it, or nil when the sync had ended first.
            func killedSync(after delay: Duration) throws -> [String]? {
                try #require(try cli(["sync", "--backend", "libiptc"] + old, in: namespace).status == 0)
                let process = Process()
                process.executableURL = URL(fileURLWithPath: "/usr/sbin/ip")
                process.arguments = ["netns", "exec", namespace.name, executable, "sync", "--backend", "libiptc"] + new
                process.environment = ["XTABLES_LOCKFILE": privateLock]
                process.standardError = FileHandle.nullDevice
                try process.run()
                usleep(UInt32(delay.components.seconds * 1_000_000 + delay.components.attoseconds / 1_000_000_000_000))
                kill(-process.processIdentifier, SIGKILL)
                process.waitUntilExit()
                guard process.terminationReason == .uncaughtSignal else { return nil }
                return try tables().enumerated().map { index, now in
                    now == oldTables[index] ? "old" : now == newTables[index] ? "new" : "mixed"
                }
            }
            // The commits come in the last moments of a sync: the kill's delay is bisected
            // between one that found the tables old and one too late to land, so the kills
            // close in on the commits and land before, between and after them.
            var outcomes: [String: Int] = [:]
            var (early, late) = (Duration.zero, span * 1.5)
            for _ in 0..<40 {
                let delay = (early + late) / 2
                let states = try killedSync(after: delay)
                for (index, state) in (states ?? []).enumerated() {
                    outcomes["\(index == 0 ? "filter" : "nat") \(state)", default: 0] += 1
                }
                if states?.allSatisfy({ $0 == "old" }) == true { early = delay } else { late = delay }
                // Timing drifts under load: widen again once the window is below a tenth of
                // a millisecond.
                if late - early < .microseconds(100) { (early, late) = (early - .milliseconds(5), late + .milliseconds(5)) }
                if early < .zero { early = .zero }
            }
            // Both outcomes, or the kills proved nothing about the commits.
            let seen = Set(outcomes.keys.map { $0.split(separator: " ")[1] })
            #expect(seen.contains("old") && seen.contains("new"), "\(outcomes)")
            #expect(outcomes.keys.allSatisfy { !$0.hasSuffix("mixed") }, "\(outcomes)")
        }
    }
}

/// Tree dispatch in the kernel: libiptc installs exactly what iptables-legacy-restore makes of
/// the tree text, `diff` finds nothing, and going back to linear dispatch deletes the tree.
@Suite(.enabled(if: kernelUnavailable == nil, "\(kernelUnavailable ?? "")"))
struct TreeDispatchKernelTests {
    @Test func treeIsInstalledAndRemovedLikeAnyPlan() throws {
        try withManifests([:]) { directory in
            let cluster = directory + "/cluster.yaml"
            let generated = try run(["bench", "--services", "60", "--endpoints", "2", "--runs", "1", "--keep", cluster])
            try #require(generated.status == 0, "\(generated.stderr)")
            let node = ["-f", cluster, "--hostname-override", "worker-1"]
            try NetworkNamespace.with(count: 2) { namespaces in
                let (viaLibiptc, viaRestore) = (namespaces[0], namespaces[1])
                let synced = try cli(["sync", "--backend", "libiptc", "--service-dispatch", "tree"] + node, in: viaLibiptc)
                try #require(synced.status == 0, "\(synced.stderr)")
                let text = try run(["sync", "--dry-run", "--service-dispatch", "tree"] + node)
                try #require(text.stdout.contains(":KPROXY-SVCS-"), "the cluster is large enough to split")
                try viaRestore.run(["iptables-legacy-restore"], input: text.stdout,
                                   environment: ["XTABLES_LOCKFILE": privateLock]).check()
                #expect(try legacySave(viaLibiptc, table: "nat").contains(":KPROXY-SVCS-"))
                #expect(ApplyTests.ourChains(try legacySave(viaLibiptc)) == (try legacySave(viaRestore)))
                // Our diff of the restored tables finds every planned rule; only the jumps from
                // the built-in chains (not in restore text) lack.
                let difference = try cli(["diff", "--service-dispatch", "tree"] + node, in: viaRestore)
                #expect(difference.status == 0, "\(difference.stderr)")
                for block in difference.stdout.split(separator: "\n").filter({ $0.hasPrefix("@@ ") }) {
                    #expect(ApplyTests.builtinChains.contains(String(block.split(separator: " ")[2])), "differs: \(block)")
                }

                let linear = try cli(["sync", "--backend", "libiptc"] + node, in: viaLibiptc)
                try #require(linear.status == 0, "\(linear.stderr)")
                #expect(!(try legacySave(viaLibiptc, table: "nat").contains("KPROXY-SVCS-")))
                let after = try cli(["diff"] + node, in: viaLibiptc)
                #expect(after.status == 0 && after.stdout.isEmpty, "\(after.stdout)\(after.stderr)")
            }
        }
    }
}
