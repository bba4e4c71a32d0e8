import ArgumentParser
import Foundation
import IptablesBackend

/// `kproxy-iptables libiptc-helper`: the process `sync` applies each table in (see
/// `LibiptcHelper`). It reads one request on standard input and writes its outcome on
/// standard output; it is not meant to be run by hand.
struct LibiptcHelperCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "libiptc-helper",
        abstract: "Apply one table sent by sync on standard input (internal).",
        shouldDisplay: false
    )

    /// The command line that runs this helper: this very program, found through /proc so a
    /// relative or PATH-found invocation still names the same file.
    static var commandLine: [String] {
        let executable = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        return [executable, "libiptc-helper"]
    }

    func run() {
        LibiptcHelper.serve()
    }
}
