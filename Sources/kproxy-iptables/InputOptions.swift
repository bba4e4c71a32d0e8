import ArgumentParser

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
