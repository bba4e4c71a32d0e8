import Foundation
import ServiceModel
import Testing

/// One planning run over a reference case: a manifest state, the configuration, the IP
/// family, kube-proxy's expected text and our golden text.
public struct FixtureRun: Sendable, CustomTestStringConvertible {
    public var caseName: String
    /// `step1`, `step2` for sequence cases.
    public var step: String?
    /// `nil`: the node's primary family (what `expected.iptables` holds); `.ipv6` for
    /// `expected.ip6tables`.
    public var family: IPFamily?
    /// Paths relative to the package root.
    public var manifest: String
    public var configuration: String
    public var expected: String
    public var golden: String

    public var testDescription: String {
        [caseName, step, family == .ipv6 ? "ipv6" : nil].compactMap { $0 }.joined(separator: " ")
    }

    /// Every run of every case under Fixtures/cases.
    public static let all: [FixtureRun] = {
        let fileManager = FileManager.default
        let names = (try? fileManager.contentsOfDirectory(atPath: packagePath("Fixtures/cases"))) ?? []
        var runs: [FixtureRun] = []
        for name in names.sorted() {
            let directory = "Fixtures/cases/\(name)"
            let files = (try? fileManager.contentsOfDirectory(atPath: packagePath(directory))) ?? []
            for file in files.sorted() where file.hasPrefix("expected.") {
                let parts = file.split(separator: ".").map(String.init)  // expected[.stepN].ip(6)tables
                let step = parts.count == 3 ? parts[1] : nil
                let family: IPFamily? = parts.last == "ip6tables" ? .ipv6 : nil
                let manifest = step.map { "\(directory)/cluster.\($0).yaml" } ?? "\(directory)/cluster.yaml"
                let golden = "Fixtures/golden/sync/" + ([name] + (step.map { [$0] } ?? []) + [parts.last!]).joined(separator: ".")
                runs.append(FixtureRun(caseName: name, step: step, family: family, manifest: manifest,
                                       configuration: "\(directory)/kube-proxy.yaml", expected: "\(directory)/\(file)",
                                       golden: golden))
            }
        }
        return runs
    }()

    /// The family this run plans: `family`, else that of the first IP of the configuration's node.
    public func plannedFamily() throws -> IPFamily {
        if let family { return family }
        let configuration = try ManifestLoader.loadConfiguration(path: packagePath(self.configuration))
        let manifests = try ManifestLoader.load(paths: [packagePath(manifest)])
        let node = configuration.hostnameOverride.flatMap(manifests.node(named:))
        let first = node?.nodeIPs.first
        return first?.family ?? .ipv4
    }

    /// The CLI arguments of `sync --dry-run` for this run.
    public var syncArguments: [String] {
        ["sync", "--dry-run", "--config", configuration, "-f", manifest] + (family == .ipv6 ? ["--ip-family", "ipv6"] : [])
    }
}
