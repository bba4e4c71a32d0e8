import ArgumentParser
import KubernetesClient

/// How to reach the API server, found as kube-proxy finds it: a kubeconfig (and context),
/// `--master` overriding its server, else the Pod's service account (in-cluster).
struct APIServerOptions: ParsableArguments {
    @Option(help: ArgumentHelp("The kubeconfig to reach the API server with (default: in-cluster; agent: the configuration's clientConnection.kubeconfig first).",
                               valueName: "file"))
    var kubeconfig: String?

    @Option(help: ArgumentHelp("The kubeconfig context to use (default: its current-context).", valueName: "name"))
    var context: String?

    @Option(help: ArgumentHelp("The API server's address, overriding the kubeconfig's.", valueName: "url"))
    var master: String?

    /// Whether any of them was given.
    var isGiven: Bool { kubeconfig != nil || context != nil || master != nil }

    /// A client for the API server; unusable settings or credentials are reported on
    /// standard error and end the command with status 2.
    func client(defaultKubeconfig: String? = nil, qps: Double = 5, burst: Int = 10) throws -> APIClient {
        do {
            let connection = try APIConnection.resolve(kubeconfig: kubeconfig ?? defaultKubeconfig, context: context, master: master)
            return try APIClient(connection: connection, qps: qps, burst: burst)
        } catch {
            printError("kproxy-iptables: \(error)")
            throw ExitCode(2)
        }
    }
}
