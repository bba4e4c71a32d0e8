/// The EXAMPLES and EXIT STATUS sections that end every subcommand's `--help`, and the
/// privilege note of the commands that touch the kernel, each written once.
enum HelpSections {
    /// What an exit status means for one command.
    struct Status {
        var code: Int32
        var meaning: String

        static func success(_ meaning: String = "success") -> Status { Status(code: 0, meaning: meaning) }
        static func runtimeFailure(_ meaning: String) -> Status { Status(code: 1, meaning: meaning) }
        static let invalidInput = Status(code: 2, meaning: "invalid manifests or configuration: each problem printed, nothing used")
        static let usage = Status(code: 64, meaning: "the command line is wrong")
    }

    /// Which hosts the kernel commands work on and what they need.
    static let privileges = """
        Needs root (CAP_NET_ADMIN in the node's network namespace). Works on legacy iptables \
        hosts (through libiptc) and nft hosts (through iptables-nft-restore and -save); \
        --backend auto (the default) detects which, as kube-proxy's wrappers do.
        """

    /// The two sections, to append to a command's discussion.
    static func text(examples: [String], statuses: [Status]) -> String {
        var text = "\n\nEXAMPLES\n"
        for example in examples { text += "  " + example + "\n" }
        text += "\nEXIT STATUS\n"
        for status in statuses + [.usage] {
            text += "  " + String(status.code).padding(toLength: 4, withPad: " ", startingAt: 0) + status.meaning + "\n"
        }
        return String(text.dropLast())
    }

    /// `message` (a help screen) with the sections moved from the discussion, where
    /// swift-argument-parser prints them, to the end, after the options; `nil` when it has none.
    static func movingSectionsToEnd(_ message: String) -> String? {
        guard let start = message.range(of: "\n\nEXAMPLES\n"),
              let end = message.range(of: "\n\nUSAGE:", range: start.upperBound..<message.endIndex) else { return nil }
        let sections = message[start.lowerBound..<end.lowerBound]
        let rest = message[..<start.lowerBound] + message[end.lowerBound...]
        return rest.trimmingTrailingNewlines + sections + "\n"
    }
}

extension StringProtocol {
    fileprivate var trimmingTrailingNewlines: String {
        var text = String(self)
        while text.hasSuffix("\n") { text.removeLast() }
        return text
    }
}
