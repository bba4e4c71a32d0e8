import Foundation
import KProxyTestSupport
import ProxyCore
import Testing

/// The built `kproxy-iptables`, beside the test bundle.
let executable: String = {
    let bundle = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
    let beside = bundle.appendingPathComponent("kproxy-iptables").path
    return FileManager.default.isExecutableFile(atPath: beside) ? beside : packageRoot + "/.build/debug/kproxy-iptables"
}()

struct Run {
    var status: Int32
    var stdout: String
    var stderr: String
}

/// Runs the CLI in the package root with `arguments`.
func run(_ arguments: [String]) throws -> Run {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    process.currentDirectoryURL = URL(fileURLWithPath: packageRoot)
    let out = Pipe()
    let err = Pipe()
    process.standardOutput = out
    process.standardError = err
    try process.run()
    let stdout = out.fileHandleForReading.readDataToEndOfFile()
    let stderr = err.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return Run(status: process.terminationStatus, stdout: String(decoding: stdout, as: UTF8.self),
               stderr: String(decoding: stderr, as: UTF8.self))
}

let fixtureCases: [String] = {
    let names = (try? FileManager.default.contentsOfDirectory(atPath: packageRoot + "/Fixtures/cases")) ?? []
    return names.filter { FileManager.default.fileExists(atPath: packageRoot + "/Fixtures/cases/\($0)/cluster.yaml") }.sorted()
}()

@Suite struct ValidateCommandTests {
    @Test(arguments: fixtureCases)
    func summarisesEveryCase(_ name: String) throws {
        let directory = "Fixtures/cases/\(name)"
        let result = try run(["validate", "-f", directory + "/cluster.yaml", "--config", directory + "/kube-proxy.yaml"])
        #expect(result.status == 0)
        #expect(result.stderr == "")
        assertGolden(result.stdout, "Fixtures/golden/validate/\(name).txt")
    }

    @Test func aDirectoryIsReadWithItsConfiguration() throws {
        let result = try run(["validate", "-f", "Fixtures/cases/kube-dns"])
        #expect(result.status == 0)
        #expect(result.stdout.contains("Configuration (Fixtures/cases/kube-dns/kube-proxy.yaml):"))
        #expect(result.stdout.contains("  KubeProxyConfiguration       1"))
    }

    @Test func invalidInputExitsTwoWithEveryProblemOnStandardError() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("bad.yaml").path
        try """
            apiVersion: v1
            kind: Service
            metadata: {name: api, namespace: prod}
            spec:
              ports:
              - {name: http, port: 80}
              - {name: https, port: 70000}
            ---
            apiVersion: discovery.k8s.io/v1
            kind: EndpointSlice
            metadata: {name: api-abc, namespace: prod}
            addressType: IPv4
            endpoints: []

            """.write(toFile: file, atomically: true, encoding: .utf8)
        let result = try run(["validate", "-f", file])
        #expect(result.status == 2)
        #expect(result.stdout == "")
        #expect(result.stderr == """
            \(file): Service prod/api: spec.ports[1].port: Invalid value: 70000: must be between 1 and 65535, inclusive
            \(file): EndpointSlice prod/api-abc: metadata.labels[kubernetes.io/service-name]: Required value: an EndpointSlice must name its Service; without it no proxy uses the slice
            2 problems found; nothing was used.

            """)
    }

    /// `validate` and `sync` agree on which ports have no endpoints, and on the node.
    struct EndpointCase: Sendable, CustomTestStringConvertible {
        var conditions: String
        var withoutEndpoints: Int
        var testDescription: String { "\(conditions) → \(withoutEndpoints) without endpoints" }
    }

    static let endpointCases: [EndpointCase] = [
        EndpointCase(conditions: "{ready: true}", withoutEndpoints: 0),
        EndpointCase(conditions: "{ready: false, serving: true, terminating: true}", withoutEndpoints: 0),
        EndpointCase(conditions: "{ready: false, serving: false, terminating: true}", withoutEndpoints: 1),
        EndpointCase(conditions: "{ready: false, serving: true, terminating: false}", withoutEndpoints: 1),
    ]

    @Test(arguments: endpointCases)
    func validateCountsThePortsSyncRejects(_ input: EndpointCase) throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("cluster.yaml").path
        try """
            apiVersion: v1
            kind: Service
            metadata: {name: api, namespace: prod}
            spec: {clusterIP: 10.96.0.10, ports: [{name: http, port: 80}]}
            ---
            apiVersion: discovery.k8s.io/v1
            kind: EndpointSlice
            metadata: {name: api-abc, namespace: prod, labels: {kubernetes.io/service-name: api}}
            addressType: IPv4
            endpoints: [{addresses: [10.244.1.5], conditions: \(input.conditions)}]
            ports: [{name: http, port: 8080}]
            ---
            apiVersion: v1
            kind: Node
            metadata: {name: \(Self.hostName)}
            status: {addresses: [{type: InternalIP, address: 192.168.0.2}]}

            """.write(toFile: file, atomically: true, encoding: .utf8)
        let validated = try run(["validate", "-f", file])
        #expect(validated.stdout.contains("Service ports: 1 (\(input.withoutEndpoints) without endpoints)"))
        #expect(validated.stdout.contains("Node \(Self.hostName): "))
        let synced = try run(["sync", "--dry-run", "-f", file])
        #expect(synced.status == 0)
        #expect(synced.stdout.contains("prod/api:http has no endpoints") == (input.withoutEndpoints == 1))
    }

    /// This machine's name as both commands take it when nothing names the node.
    static var hostName: String { ProcessInfo.processInfo.hostName.lowercased() }

    @Test func aMissingFileExitsTwo() throws {
        let result = try run(["validate", "-f", "Fixtures/nowhere.yaml"])
        #expect(result.status == 2)
        #expect(result.stderr.hasPrefix("Fixtures/nowhere.yaml: cannot read: no such file or directory\n"))
    }

    @Test func aBadConfigurationExitsTwo() throws {
        let result = try run(["validate", "-f", "Fixtures/cases/kube-dns/cluster.yaml", "--config", "Fixtures/cases/kube-dns/cluster.yaml"])
        #expect(result.status == 2)
        #expect(result.stderr.contains("the file must hold exactly one KubeProxyConfiguration"))
    }

    @Test func usageErrorsExitSixtyFour() throws {
        #expect(try run(["validate"]).status == 64)
        #expect(try run(["validate", "-f"]).status == 64)
        #expect(try run(["frobnicate"]).status == 64)
    }
}

@Suite struct HelpAndVersionTests {
    @Test func helpReadsLikeAManualPage() throws {
        let root = try run(["--help"])
        #expect(root.status == 0)
        for section in ["OVERVIEW:", "USAGE:", "EXIT STATUS", "SUBCOMMANDS:", "validate", "sync", "diff", "cleanup", "bench"] {
            #expect(root.stdout.contains(section), "\(section)")
        }
        let validate = try run(["validate", "--help"])
        #expect(validate.stdout.contains("-f, --filename <file-or-dir>"))
        #expect(validate.stdout.contains("--config <kube-proxy.yaml>"))
        #expect(validate.stdout.contains("exits with status 2"))
        #expect(validate.stdout.contains("  2   invalid manifests or configuration"))
    }

    static let subcommands = ["validate", "sync", "agent", "diff", "cleanup", "trace", "verify", "bench", "ingress"]

    /// `X --help` and `help X` alike end with examples, then what each exit status means.
    @Test(arguments: subcommands.flatMap { [[$0, "--help"], ["help", $0]] })
    func everyHelpEndsWithExamplesAndExitStatus(_ arguments: [String]) throws {
        let help = try run(arguments)
        #expect(help.status == 0)
        let options = try #require(help.stdout.range(of: "OPTIONS:"))
        let examples = try #require(help.stdout.range(of: "\nEXAMPLES\n  kproxy-iptables "), "\(help.stdout)")
        let statuses = try #require(help.stdout.range(of: "\n\nEXIT STATUS\n  0   "))
        #expect(options.upperBound < examples.lowerBound && examples.upperBound < statuses.lowerBound)
        #expect(help.stdout.hasSuffix("\n  64  the command line is wrong\n"))
    }

    @Test(arguments: ["sync", "cleanup", "diff", "agent"])
    func kernelCommandsSayTheyNeedRoot(_ command: String) throws {
        let help = try run([command, "--help"]).stdout.replacingOccurrences(of: "\n", with: " ")
        #expect(help.contains("Needs root (CAP_NET_ADMIN"))
        #expect(help.contains("legacy iptables hosts (through libiptc) and nft hosts"))
    }

    @Test func printsItsVersion() throws {
        let result = try run(["--version"])
        #expect(result.status == 0)
        #expect(result.stdout == "0.1.0\n")
    }
}

/// One at a time: the namespace checks count every bench namespace on the host.
@Suite(.serialized) struct BenchCommandTests {
    @Test func printsFiguresAsJSON() throws {
        let result = try run(["bench", "--services", "50", "--endpoints", "2", "--runs", "1", "--output", "json"])
        #expect(result.status == 0)
        let object = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any]
        let figures = try #require(object)
        #expect(figures["objects"] as? Int == 101)
        #expect(figures["services"] as? Int == 50)
        for key in ["decodeMs", "joinMs", "planFullMs", "renderFullMs", "planIncrementalMs", "rules", "bytes", "peakRSSMB",
                    "yamlBytes", "joinedEndpoints", "syncDryRunPeakRSSMB", "nftablesPlanFullMs", "nftablesRenderFullMs", "nftablesCommands",
                    "nftablesBytes"] {
            #expect(figures[key] is NSNumber, "\(key)")
        }
        for key in Self.iptablesApplyKeys + Self.nftablesApplyKeys {
            #expect(figures[key] is NSNull, "\(key) is measured only with --apply")
        }
        #expect((figures["rules"] as? Int ?? 0) > 50)
        #expect(result.stderr.contains("bench: planning run 1 of 1"))
        // Traced, so measured without --apply: the last service is far down the linear list.
        let linearLast = try #require(figures["rulesPerPacketLinearLast"] as? Double)
        let treeLast = try #require(figures["rulesPerPacketTreeLast"] as? Double)
        let linearFirst = try #require(figures["rulesPerPacketLinearFirst"] as? Double)
        #expect(linearFirst < linearLast && treeLast < linearLast)
    }

    static let iptablesApplyKeys = [
        "applyFullLibiptcMs", "applyFullLegacyRestoreMs", "applyFullNftRestoreMs", "applyDeltaLibiptcMs",
        "applyDeltaLegacyRestoreMs", "applyDeltaNftRestoreMs", "applyResyncLibiptcMs", "applyResyncLegacyRestoreMs",
        "applyResyncNftRestoreMs", "applyFullLibiptcKernelMs", "applyDeltaLibiptcUserSpaceMs",
        "applyFullLibiptcPeakRSSMB", "applyFullLegacyRestorePeakRSSMB", "applyFullNftRestorePeakRSSMB",
        "connectionsPerSecondLinear", "connectionsPerSecondTree", "syncLibiptcPeakRSSMB",
    ]
    static let nftablesApplyKeys = [
        "applyFullNftablesModeMs", "applyFullNftablesModeTransactions", "applyDeltaNftablesModeMs",
        "syncNftablesModePeakRSSMB", "connectionsPerSecondNftablesFirst", "connectionsPerSecondNftablesLast",
    ]

    /// `--apply` measures both modes, `--proxy-mode` one of them (the other's figures null).
    @Test(.enabled(if: NetworkNamespace.isAvailable, "needs root and ip to create network namespaces"),
          arguments: [[], ["--proxy-mode", "nftables"]])
    func applyMeasuresEveryWayInNamespacesItDeletes(_ mode: [String]) throws {
        let before = try Self.benchNamespaces()
        let result = try run(["bench", "--services", "60", "--endpoints", "3", "--runs", "2", "--apply", "--output", "json"] + mode)
        #expect(result.status == 0, "\(result.stderr)")
        let figures = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        let iptables = mode.isEmpty
        for key in Self.iptablesApplyKeys {
            #expect((figures[key] is NSNumber && !(figures[key] is NSNull)) == iptables, "\(key)")
        }
        for key in Self.nftablesApplyKeys {
            #expect(figures[key] is NSNumber && !(figures[key] is NSNull), "\(key) was not measured")
        }
        if iptables {
            let full = try #require(figures["applyFullLibiptcMs"] as? Double)
            let kernel = try #require(figures["applyFullLibiptcKernelMs"] as? Double)
            #expect(kernel > 0 && kernel < full)
        }
        #expect(result.stderr.contains("apply run 2 of 2: libiptc") == iptables)
        let left = try Self.benchNamespaces().subtracting(before)
        #expect(left.isEmpty, "left behind: \(left)")
    }

    @Test(.enabled(if: NetworkNamespace.isAvailable, "needs root and ip to create network namespaces"))
    func churnTimesEveryChangeThroughTheSyncLoop() throws {
        let before = try Self.benchNamespaces()
        let result = try run(["bench", "--churn", "--services", "30", "--endpoints", "2", "--churn-seconds", "3",
                              "--churn-rate", "20", "--output", "json"])
        #expect(result.status == 0, "\(result.stderr)")
        let figures = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        #expect(figures["churnChanges"] as? Int == 60)
        #expect(figures["churnFailedSyncs"] as? Int == 0)
        #expect((figures["churnSyncs"] as? Int ?? 0) >= 1)
        let p50 = try #require(figures["churnChangeP50Ms"] as? Double)
        let p99 = try #require(figures["churnChangeP99Ms"] as? Double)
        #expect(p50 > 0 && p50 <= p99)
        for key in ["churnRSSStartMB", "churnRSSEndMB", "churnRSSMaxMB"] {
            #expect((figures[key] as? Double ?? 0) > 0, "\(key)")
        }
        #expect(try Self.benchNamespaces().subtracting(before).isEmpty)
    }

    /// Our Ingress proxy and nginx, each driven by wrk over HTTP and HTTPS in the same run,
    /// and the NIO byte relay over HTTP.
    @Test(.enabled(if: ["nginx", "wrk"].allSatisfy { NetworkNamespace.which($0) != nil }, "needs nginx and wrk"))
    func ingressIsComparedWithNginx() throws {
        let result = try run(["bench", "--ingress", "--ingress-seconds", "1", "--ingress-connections", "8", "--runs", "1",
                              "--output", "json"])
        #expect(result.status == 0, "\(result.stderr)")
        let figures = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        for (scheme, proxies) in [("HTTP", ["Ours", "Nginx", "Relay"]), ("HTTPS", ["Ours", "Nginx"])] {
            for proxy in proxies {
                #expect((figures["ingress\(scheme)RequestsPerSecond\(proxy)"] as? Double ?? 0) > 0, "\(scheme) \(proxy)")
                #expect((figures["ingress\(scheme)P99Ms\(proxy)"] as? Double ?? 0) > 0, "\(scheme) \(proxy)")
                #expect((figures["ingress\(scheme)CPUMicrosecondsPerRequest\(proxy)"] as? Double ?? 0) > 0, "\(scheme) \(proxy)")
            }
        }
    }

    @Test(arguments: [
        ["--agent", "--churn"], ["--churn", "--churn-seconds", "0"], ["--churn", "--churn-rate", "0"],
        ["--proxy-mode", "nftables"], ["--ingress", "--agent"], ["--ingress", "--ingress-seconds", "0"],
    ])
    func benchOptionsAreChecked(_ options: [String]) throws {
        #expect(try run(["bench", "--services", "10"] + options).status == 64)
    }

    /// The bench namespaces that exist now (another bench may be running).
    static func benchNamespaces() throws -> Set<String> {
        let list = try Command.run(["ip", "netns", "list"]).check().stdout
        return Set(list.split(separator: "\n").map { String($0.prefix { $0 != " " }) }.filter { $0.hasPrefix("kpx-bench-") })
    }
}
