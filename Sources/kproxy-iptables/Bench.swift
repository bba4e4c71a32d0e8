import ArgumentParser
import Foundation
import IptablesBackend
import ServiceModel

/// `kproxy-iptables bench`: figures on a generated cluster.
struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Measure reading, joining and planning a generated cluster.",
        discussion: """
            Generates a cluster of SERVICES Services with ENDPOINTS endpoints each (a mix of \
            ClusterIP, NodePort and LoadBalancer services with one to three ports, written as \
            `kubectl get -o yaml` prints them) into a temporary file, then reads it RUNS times. \
            Prints medians: decodeMs (reading, decoding and validating every object), joinMs \
            (joining service ports with their endpoints), planFullMs and renderFullMs (the full \
            ruleset and its iptables-restore text), planIncrementalMs (planning a one-endpoint \
            change with the incremental planner, which plans only that service again), rules and \
            bytes of the full text, and \
            peakRSSMB, the most memory the process held. The apply figures are not measured by \
            this version and print as null. Build with `-c release` for meaningful figures.
            """
    )

    enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
        case table, json
    }

    @Option(help: "Number of Services to generate.")
    var services = 10_000

    @Option(help: "Endpoints per Service.")
    var endpoints = 10

    @Option(help: "mixed (ClusterIP, NodePort and LoadBalancer, one to three ports) or clusterip (one-port ClusterIP services only).")
    var shape: SyntheticCluster.Shape = .mixed

    @Option(help: "How many times to measure; the median is reported.")
    var runs = 3

    @Option(help: "table or json.")
    var output: OutputFormat = .table

    @Option(help: ArgumentHelp("Keep the generated YAML at this path.", valueName: "file"))
    var keep: String?

    func validate() throws {
        guard services > 0, endpoints >= 0, runs > 0 else {
            throw ValidationError("--services and --runs must be positive, --endpoints not negative.")
        }
    }

    func run() throws {
        let path = keep ?? NSTemporaryDirectory() + "kproxy-bench-\(getpid()).yaml"
        guard FileManager.default.createFile(atPath: path, contents: nil),
              let handle = FileHandle(forWritingAtPath: path) else {
            throw BenchError("cannot write \(path)")
        }
        progress("generating \(services) services × \(endpoints) endpoints into \(path)")
        SyntheticCluster(services: services, endpointsPerService: endpoints, shape: shape).write(to: handle)
        try handle.close()
        defer { if keep == nil { try? FileManager.default.removeItem(atPath: path) } }
        let bytes = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0

        var decodeTimes: [Double] = []
        var joinTimes: [Double] = []
        var planTimes: [Double] = []
        var renderTimes: [Double] = []
        var incrementalTimes: [Double] = []
        var ruleCount = 0
        var textBytes = 0
        var renderer = RestoreRenderer()
        var peak = 0.0
        var objects = 0
        var joinedEndpoints = 0
        let clock = ContinuousClock()
        for run in 1...runs {
            progress("run \(run) of \(runs)")
            ProcessMemory.resetPeak()
            let start = clock.now
            let manifests = try ManifestLoader.load(paths: [path])
            let decoded = clock.now
            let catalog = ServiceCatalog(services: manifests.services, endpointSlices: manifests.endpointSlices,
                                         localNodeName: "worker-1")
            let joined = clock.now
            // The full plan and its text, then a one-endpoint change planned as a sync does
            // today: a new plan and its diff against the last.
            let node = ProxyNode(manifests.node(named: "worker-1") ?? Node(metadata: ObjectMeta(name: "worker-1")))
            let settings = ProxySettings(configuration: KubeProxyConfiguration(clusterCIDRs: [IPPrefix("10.244.0.0/16")!]),
                                         node: node, family: .ipv4)
            let planner = RulePlanner(settings: settings)
            let planStart = clock.now
            let ruleset = planner.plan(catalog)
            let planned = clock.now
            renderer.render(ruleset)
            let rendered = clock.now
            var slices = manifests.endpointSlices
            let sliceIndex = slices.firstIndex { !$0.endpoints.isEmpty } ?? 0
            if !slices.isEmpty { slices[sliceIndex].endpoints.removeFirst() }
            let changed = ServiceCatalog(services: manifests.services, endpointSlices: slices, localNodeName: "worker-1")
            let changedService = slices.isEmpty ? nil : slices[sliceIndex].serviceName
            let touched = changed.servicePorts.filter { $0.name.service == changedService }
            var incremental = IncrementalPlanner(planner: planner, catalog: catalog)
            let incrementalStart = clock.now
            let changes = incremental.update(touched)
            let incrementalEnd = clock.now
            precondition(!changes.isEmpty, "the one-endpoint change planned no change")
            planTimes.append((planned - planStart).milliseconds)
            renderTimes.append((rendered - planned).milliseconds)
            incrementalTimes.append((incrementalEnd - incrementalStart).milliseconds)
            ruleCount = ruleset.ruleCount
            textBytes = renderer.bytes.count
            decodeTimes.append((decoded - start).milliseconds)
            joinTimes.append((joined - decoded).milliseconds)
            peak = max(peak, ProcessMemory.peakResidentMegabytes())
            objects = manifests.countsByKind.values.reduce(0, +)
            joinedEndpoints = catalog.endpointCount
        }
        let figures: [(String, String)] = [
            ("services", String(services)),
            ("endpointsPerService", String(endpoints)),
            ("shape", "\"\(shape.rawValue)\""),
            ("objects", String(objects)),
            ("yamlBytes", String(bytes)),
            ("joinedEndpoints", String(joinedEndpoints)),
            ("runs", String(runs)),
            ("decodeMs", format(median(decodeTimes))),
            ("joinMs", format(median(joinTimes))),
            ("planFullMs", format(median(planTimes))),
            ("renderFullMs", format(median(renderTimes))),
            ("planIncrementalMs", format(median(incrementalTimes))),
            ("rules", String(ruleCount)),
            ("bytes", String(textBytes)),
            ("applyFullLibiptcMs", "null"),
            ("applyFullLegacyRestoreMs", "null"),
            ("applyFullNftRestoreMs", "null"),
            ("applyDeltaLibiptcMs", "null"),
            ("applyDeltaLegacyRestoreMs", "null"),
            ("applyDeltaNftRestoreMs", "null"),
            ("peakRSSMB", format(peak)),
        ]
        switch output {
        case .json:
            print("{" + figures.map { "\"\($0.0)\": \($0.1)" }.joined(separator: ", ") + "}")
        case .table:
            let width = figures.map(\.0.count).max() ?? 0
            for (name, value) in figures { print(name.padding(width) + "  " + value) }
        }
    }

    private func progress(_ message: String) {
        FileHandle.standardError.write(Data("bench: \(message)\n".utf8))
    }

    private func median(_ values: [Double]) -> Double {
        let sorted = values.sorted()
        return sorted.count % 2 == 1 ? sorted[sorted.count / 2]
            : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
    }

    private func format(_ value: Double) -> String {
        String(Double(Int((value * 10).rounded())) / 10)
    }
}

struct BenchError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

extension Duration {
    var milliseconds: Double {
        let (seconds, attoseconds) = components
        return Double(seconds) * 1000 + Double(attoseconds) / 1e15
    }
}

/// The process's resident memory, from /proc.
enum ProcessMemory {
    /// Resets the kernel's peak-RSS mark (VmHWM), so the next reading covers what follows.
    static func resetPeak() {
        if let handle = FileHandle(forWritingAtPath: "/proc/self/clear_refs") {
            handle.write(Data("5".utf8))
            try? handle.close()
        }
    }

    /// VmHWM in MiB.
    static func peakResidentMegabytes() -> Double {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return 0 }
        for line in status.split(separator: "\n") where line.hasPrefix("VmHWM:") {
            let kilobytes = line.split(separator: " ").compactMap { Double($0) }.first ?? 0
            return kilobytes / 1024
        }
        return 0
    }
}
extension SyntheticCluster.Shape: ExpressibleByArgument {}
