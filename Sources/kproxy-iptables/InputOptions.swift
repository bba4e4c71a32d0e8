import ArgumentParser
import Foundation
import ProxyRuntime

/// The manifests and configuration every planning command reads.
struct InputOptions: ParsableArguments {
    @Option(name: [.customShort("f"), .customLong("filename")],
            help: ArgumentHelp("A manifest file or directory (YAML or JSON); repeat for more.",
                               valueName: "file-or-dir"))
    var files: [String] = []

    @Option(name: .customLong("config"),
            help: ArgumentHelp("""
                A KubeProxyConfiguration file (kubeproxy.config.k8s.io/v1alpha1). Without it, a \
                KubeProxyConfiguration found among the manifests is used, else kube-proxy's defaults.
                """, valueName: "kube-proxy.yaml"))
    var config: String?

    func validate() throws {
        if files.isEmpty {
            throw ValidationError("Give at least one manifest with -f FILE_OR_DIR.")
        }
    }
}

extension InputOptions {
    /// Loads the manifests and configuration. On invalid input, prints every problem to
    /// standard error and exits with status 2, having used nothing.
    func load(hostnameOverride: String?, fallbackNodeName: String? = nil) throws -> LoadedInput {
        do {
            return try LoadedInput.load(files: files, configPath: config, hostnameOverride: hostnameOverride,
                                        fallbackNodeName: fallbackNodeName)
        } catch {
            let count = error.errors.count
            printError(error.description)
            printError("\(count) \(count == 1 ? "problem" : "problems") found; nothing was used.")
            throw ExitCode(2)
        }
    }
}

/// Writes one line to standard error.
func printError(_ line: String) {
    var stream = StandardStream.error
    print(line, to: &stream)
}
