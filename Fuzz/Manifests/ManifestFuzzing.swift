import FuzzMain
import ServiceModel

/// One input read as a YAML manifest and as a JSON one, each decoded, validated and, when
/// valid, joined, as `validate` would. Errors are expected; a crash, a hang or unbounded
/// memory is a finding.
func fuzzManifests(_ bytes: [UInt8]) {
    for file in ["fuzz.yaml", "fuzz.json"] {
        guard let manifests = try? ManifestLoader.load(bytes: bytes, file: file) else { continue }
        _ = ServiceCatalog(services: manifests.services, endpointSlices: manifests.endpointSlices,
                           endpoints: manifests.endpoints).servicePorts.count
    }
}

@main
enum ManifestFuzzing {
    static func main() {
        FuzzMain.run(fuzzManifests)
    }
}
