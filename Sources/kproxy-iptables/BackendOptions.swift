import ArgumentParser
import IptablesBackend
import ServiceModel

/// `--backend auto|libiptc|restore`: how rules reach the kernel, and how they are read back.
struct BackendOptions: ParsableArguments {
    @Option(help: ArgumentHelp("""
        How rules are written and read back: libiptc (legacy iptables hosts), restore \
        (iptables-nft-restore and -save, for nft hosts) or auto (detect the host's iptables \
        mode, as kube-proxy's wrappers do).
        """, valueName: "backend"))
    var backend: BackendChoice = .auto

    /// The applier for `family`, logging which one was chosen and why.
    func applier(family: IPFamily) throws -> any RulesetApplier {
        let choice: BackendChoice
        if backend == .auto {
            let detected = IptablesMode.detect(family: family)
            printError("kproxy-iptables: backend \(detected.mode == .legacy ? "libiptc" : "restore") (\(detected.reason))")
            choice = detected.mode == .legacy ? .libiptc : .restore
        } else {
            printError("kproxy-iptables: backend \(backend.rawValue) (--backend)")
            choice = backend
        }
        switch choice {
        case .libiptc, .auto: return LibiptcApplier(helperCommand: LibiptcHelperCommand.commandLine)
        case .restore: return RestoreApplier(mode: .nft)
        }
    }
}

enum BackendChoice: String, ExpressibleByArgument, CaseIterable {
    case auto, libiptc, restore
}
