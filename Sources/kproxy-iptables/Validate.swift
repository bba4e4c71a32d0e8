import ArgumentParser
import Foundation
import ServiceModel

/// `kproxy-iptables validate`: read, check and join the manifests, and say what was found.
struct Validate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Check manifests and show what a sync would work from.",
        discussion: """
            Reads every object, checks it with Kubernetes' validation rules, joins each Service \
            port with the endpoints of the Service's EndpointSlices, and prints a summary: the \
            objects read per kind, the services and endpoints joined, the node and the \
            configuration in effect.

            When anything is invalid, every problem is printed to standard error, one a line, \
            naming the file, the object, the field and the reason, for example:

              cluster.yaml: Service prod/api: spec.ports[1].port: Invalid value: 70000: must be between 1 and 65535, inclusive

            and the command exits with status 2.
            """ + HelpSections.text(
                examples: [
                    "kproxy-iptables validate -f k8s/",
                    "kproxy-iptables validate -f svc.yaml -f slices.json --config kube-proxy.yaml",
                ],
                statuses: [
                    .success("every object is valid; the summary was printed"),
                    .runtimeFailure("the summary could not be written"),
                    .invalidInput,
                ])
    )

    @OptionGroup var input: InputOptions

    @Option(help: ArgumentHelp("The node whose view to show (default: the configuration's hostnameOverride, else this host's name, as for sync).",
                               valueName: "name"))
    var hostnameOverride: String?

    func run() throws {
        // The node named as sync names it: the host's name when nothing else names one.
        let input = try self.input.load(hostnameOverride: hostnameOverride, fallbackNodeName: NodeOptions.hostname(),
                                        configurationIsEnough: true)
        print(input.summary, terminator: "")
    }
}
