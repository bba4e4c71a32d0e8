import Foundation
import KProxyTestSupport
import Testing

/// `agent` refuses what it cannot use before touching anything, with the exit status
/// that says whose fault it is; the shipped DaemonSet's command line and configuration
/// are among what it accepts.
@Suite struct AgentCommandTests {
    struct Refusal: Sendable, CustomTestStringConvertible {
        var arguments: [String]
        var status: Int32
        var message: String
        var testDescription: String { message }
    }

    @Test(arguments: [
        // The DaemonSet's arguments and configuration parse; only the credentials are missing.
        Refusal(arguments: ["--config=deploy/kube-proxy-config.yaml", "--hostname-override=node-a", "--kubeconfig", "/nonexistent/kubeconfig"],
                status: 2, message: "cannot read the kubeconfig at /nonexistent/kubeconfig"),
        Refusal(arguments: ["--config=Fixtures/cases/clusterip-basic/cluster.yaml"], status: 2,
                message: "the file must hold exactly one KubeProxyConfiguration"),
        Refusal(arguments: ["--healthz-bind-address", "localhost:10256"], status: 64, message: "--healthz-bind-address localhost:10256 is not IP:port."),
        Refusal(arguments: ["--hostname-override=node-a"], status: 2,
                message: "neither --kubeconfig nor --master was given, and this is not a pod"),
    ])
    func refusesWhatItCannotUse(_ refusal: Refusal) throws {
        let result = try run(["agent"] + refusal.arguments)
        #expect(result.status == refusal.status, "\(result.stderr)")
        #expect(result.stderr.contains(refusal.message), "\(result.stderr)")
    }
}
