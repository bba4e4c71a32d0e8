import ArgumentParser
import Foundation
import ProxyRuntime
import ServiceModel

/// The manifests and configuration every planning command reads.
struct InputOptions: ParsableArguments {
    @Option(name: [.customShort("f"), .customLong("filename")],
            help: ArgumentHelp("""
                A manifest file or directory (YAML or JSON); repeat for more. Everything given is \
                one cluster: an object defined twice is an error (a sequence case's step files \
                are separate states; give one step's file).
                """,
                               valueName: "file-or-dir"))
    var files: [String] = []

    @Option(name: .customLong("config"),
            help: ArgumentHelp("""
                A KubeProxyConfiguration file (kubeproxy.config.k8s.io/v1alpha1). Without it, a \
                KubeProxyConfiguration found among the manifests is used, else kube-proxy's defaults.
                """, valueName: "kube-proxy.yaml"))
    var config: String?

    // No `validate()`: swift-argument-parser runs it before it looks for unknown options, so
    // `sync --dyr-run` would be told about a missing -f rather than its misspelling. ``load``
    // checks for -f instead, once the command line is known to be well formed.
}

extension InputOptions {
    /// Loads the manifests and configuration. On invalid input, prints every problem to
    /// standard error and exits with status 2, having used nothing.
    ///
    /// Input without a single object of a kind we read is an error too, as `kubectl apply`
    /// finds "no objects passed": an empty directory, a misspelled kind. A configuration
    /// alone is input enough for `validate` (`configurationIsEnough`).
    func load(hostnameOverride: String?, fallbackNodeName: String? = nil, configurationIsEnough: Bool = false) throws -> LoadedInput {
        guard !files.isEmpty else { throw ValidationError("Give at least one manifest with -f FILE_OR_DIR.") }
        let loaded: LoadedInput
        do {
            loaded = try LoadedInput.load(files: files, configPath: config, hostnameOverride: hostnameOverride,
                                          fallbackNodeName: fallbackNodeName)
        } catch {
            printWarnings(error.warnings)
            let count = error.errors.count
            printError(error.description)
            printError("\(count) \(count == 1 ? "problem" : "problems") found; nothing was used.")
            throw ExitCode(2)
        }
        printWarnings(loaded.manifests.warnings)
        let configurationGiven = config != nil || !loaded.manifests.configurations.isEmpty
        if loaded.manifests.holdsNoObjects && !(configurationIsEnough && configurationGiven) {
            let skipped = loaded.manifests.skippedKinds.values.reduce(0, +)
            printError("kproxy-iptables: \(files.joined(separator: ", ")): no Service, EndpointSlice, Endpoints, Node, "
                       + "Ingress or IngressClass objects" + (skipped > 0 ? " (\(skipped) of other kinds skipped)" : "")
                       + "; nothing was used.")
            throw ExitCode(2)
        }
        return loaded
    }
}

/// Writes each warning to standard error, as a line of its own.
func printWarnings(_ warnings: [ManifestWarning]) {
    for warning in warnings { printError("kproxy-iptables: warning: \(warning)") }
}

/// Writes one line to standard error.
func printError(_ line: String) {
    var stream = StandardStream.error
    print(line, to: &stream)
}
