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

    /// The command line that runs this helper: this program's file, found through /proc so a
    /// relative or PATH-found invocation still names it. When the file was replaced while
    /// this process runs (a package upgrade), /proc names it "… (deleted)"; the helper is then
    /// the program now at that path, whose request format must match (see the request's
    /// start mark).
    static var commandLine: [String] {
        var executable = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        if executable.hasSuffix(" (deleted)") { executable.removeLast(" (deleted)".count) }
        return [executable, "libiptc-helper"]
    }

    func run() {
        LibiptcHelper.serve()
    }
}
