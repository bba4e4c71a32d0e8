import ArgumentParser
#if canImport(Glibc)
import Glibc
#endif
import IptablesBackend

/// The `kproxy-iptables` command: kube-proxy's iptables mode as a library and a tool.
@main
struct KProxyIptables: AsyncParsableCommand {
    static let version = "0.1.0"

    static let configuration = CommandConfiguration(
        commandName: "kproxy-iptables",
        abstract: "Kubernetes Service proxying with kube-proxy-compatible iptables rules.",
        discussion: """
            kproxy-iptables reads Kubernetes Services, EndpointSlices (or legacy Endpoints), \
            the Node it runs on and a KubeProxyConfiguration, exactly as `kubectl get -o yaml` \
            prints them, checks them with Kubernetes' rules and joins every Service port with \
            its endpoints. From that it plans the rules kube-proxy's iptables mode writes for \
            the node: `sync` applies them (only what changed, each table atomically), \
            `sync --dry-run` prints them as iptables-restore text, `diff` shows how the kernel \
            differs, `cleanup` removes them.

            Input files are YAML or JSON: single objects, multi-document streams, `kind: List` \
            objects, or directories of such files (their .yaml, .yml and .json files). Objects \
            of other kinds are counted and skipped.

            EXIT STATUS
              0   success
              1   a runtime failure (reading the kernel's tables, applying rules)
              2   invalid manifests or configuration; every problem is printed
              64  the command line is wrong
            """,
        version: version,
        subcommands: [Validate.self, Sync.self, Agent.self, Diff.self, Cleanup.self, Trace.self, Verify.self, Bench.self,
                      IngressCommand.self,
                      LibiptcHelperCommand.self]
    )

    /// Parses the command line and runs the command, as swift-argument-parser's own entry
    /// point does, with four steps around it:
    /// - a help screen (`--help`, `help COMMAND`) ends with its EXAMPLES and EXIT STATUS
    ///   sections, after the options (``HelpSections``);
    /// - a command that runs for days (``LongRunningCommand``) has its heap prepared while
    ///   this is the only thread, before any other allocates
    ///   (``ProcessHeap/prepareForLongRun()``);
    /// - SIGPIPE is ignored: output to a closed pipe fails its write, and the process goes on;
    /// - a command that succeeded but could not write its output ends with status 1, and
    ///   says so on standard error if that still works (``StandardStream``).
    static func main() async {
        signal(SIGPIPE, SIG_IGN)
        let command: any ParsableCommand
        do {
            command = try parseAsRoot()
        } catch {
            exit(helpingWith: error)
        }
        await run(command)
        StandardStream.recordStandardIOFailures()
        if let failure = StandardStream.firstFailure {
            printError("kproxy-iptables: \(failure)")
            exit(withError: ExitCode.failure)
        }
    }

    /// Runs a parsed command; a usage error found while it runs is printed with the
    /// command's own usage.
    private static func run(_ parsed: sending any ParsableCommand) async {
        var command = parsed
        do {
            if (command as? any LongRunningCommand)?.runsLong == true { ProcessHeap.prepareForLongRun() }
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch let error as ValidationError {
            let subcommand = type(of: command)
            printError("Error: \(error.message)\nUsage: " + usageString(for: subcommand)
                       + "\n  See 'kproxy-iptables \(subcommand._commandName) --help' for more information.")
            exit(withError: ExitCode.validationFailure)
        } catch {
            exit(helpingWith: error)
        }
    }

    /// Ends the process for `error` as swift-argument-parser does, except that a help screen
    /// gets its sections moved to the end.
    private static func exit(helpingWith error: any Error) -> Never {
        if exitCode(for: error) == .success, let help = HelpSections.movingSectionsToEnd(fullMessage(for: error)) {
            var output = StandardStream.output
            output.write(help)
            StandardStream.recordStandardIOFailures()
            exit(withError: StandardStream.firstFailure == nil ? ExitCode.success : ExitCode.failure)
        }
        exit(withError: error)
    }
}
