import ArgumentParser
import IptablesBackend
import ProxyCore
import ServiceModel

/// `--host-features probe|LIST`: probe this host (the default), or take the features of
/// another host as given, for a dry run planned elsewhere. LIST is comma-separated
/// `random-fully=yes|no` and `tcp-be-liberal=yes|no`; a feature not named keeps the value
/// of a current host (random-fully yes, tcp-be-liberal no).
enum HostFeaturesChoice: ExpressibleByArgument, Equatable {
    case probe
    case given(HostFeatures)

    init?(argument: String) {
        guard argument != "probe" else {
            self = .probe
            return
        }
        var features = HostFeatures()
        for item in argument.split(separator: ",") {
            let parts = item.split(separator: "=", maxSplits: 1)
            guard parts.count == 2, let value = ["yes": true, "no": false][String(parts[1])] else { return nil }
            switch parts[0] {
            case "random-fully": features.masqueradeRandomFully = value
            case "tcp-be-liberal": features.dropInvalidConntrack = !value
            default: return nil
            }
        }
        self = .given(features)
    }

    static var defaultValueDescription: String { "probe" }

    /// The features, and what was found or given, one line each.
    func resolve(family: IPFamily) -> HostProbe {
        switch self {
        case .probe:
            return HostProbe.probe(family: family)
        case .given(let features):
            return HostProbe(features: features, findings: [
                "as given by --host-features: MASQUERADE \(features.masqueradeRandomFully ? "with" : "without") --random-fully, "
                    + (features.dropInvalidConntrack ? "INVALID packets dropped in KUBE-FORWARD" : "no INVALID drop rule"),
            ])
        }
    }
}
