import ArgumentParser
import Conntrack
import ServiceModel

/// `--[no-]conntrack-cleanup`: whether a sync deletes the UDP and SCTP flows that still go
/// to endpoints that no longer serve.
struct ConntrackOptions: ParsableArguments {
    @Flag(inversion: .prefixedNo, help: """
        After a sync, delete the tracked UDP and SCTP flows whose service now has other \
        serving endpoints, as kube-proxy does, so that clients move over at once.
        """)
    var conntrackCleanup = true

    /// Runs the cleanup for a sync that applied `filter`'s service ports: prints what it
    /// deleted, and exits with status 1 when the table could not be cleaned (the rules are
    /// applied by then, and stay).
    func clean(_ filter: StaleFlowFilter, verbose: Bool) throws {
        guard conntrackCleanup, !filter.isEmpty else { return }
        do {
            let cleanup = try ConntrackCleanup.run(filter)
            if verbose || cleanup.deleted > 0 { printError("kproxy-iptables: \(cleanup)") }
        } catch {
            printError("kproxy-iptables: the rules are applied, but \(error)")
            throw ExitCode(1)
        }
    }
}
