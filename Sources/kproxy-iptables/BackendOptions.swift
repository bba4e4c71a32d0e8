import ArgumentParser
import IptablesBackend
import ServiceModel

/// `--backend auto|libiptc|iptables-nft`: how rules reach the kernel, and how they are read back.
struct BackendOptions: ParsableArguments {
    @Option(help: ArgumentHelp("""
        How rules are written and read back: libiptc (legacy iptables hosts), iptables-nft \
        (iptables-nft-restore and -save, for hosts whose iptables is nf_tables) or auto (detect the host's iptables \
        mode, as kube-proxy's wrappers do).
        """, valueName: "backend"))
    var backend: BackendChoice = .auto

    /// The applier for `family`, logging which one was chosen and why.
    func applier(family: IPFamily) throws -> any RulesetApplier {
        let choice: BackendChoice
        if backend == .auto {
            let detected = IptablesMode.detect(family: family)
            printError("kproxy-iptables: backend \((detected.mode == .legacy ? BackendChoice.libiptc : .iptablesNft).rawValue) (\(detected.reason))")
            choice = detected.mode == .legacy ? .libiptc : .iptablesNft
        } else {
            printError("kproxy-iptables: backend \(backend.rawValue) (--backend)")
            choice = backend
        }
        switch choice {
        case .libiptc, .auto: return LibiptcApplier(helperCommand: LibiptcHelperCommand.commandLine)
        case .iptablesNft: return RestoreApplier(mode: .iptablesNft)
        }
    }
}

enum BackendChoice: String, ExpressibleByArgument, CaseIterable {
    case auto, libiptc
    /// iptables-nft-restore and iptables-nft-save.
    case iptablesNft = "iptables-nft"
}
