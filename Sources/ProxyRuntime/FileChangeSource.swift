import Foundation
import Logging
import ServiceModel

/// Follows manifest files on disk: the first batch is what `initial` holds; afterwards the
/// files are checked for changes (modification time and size, directories' listings) and
/// read again when one changed, and the difference is delivered as changes.
///
/// Input that becomes invalid is reported and skipped: the rules last applied stay. A
/// changed configuration ends the source (kube-proxy exits for it too): planning settings
/// come from the configuration at start.
public struct FileChangeSource: ObjectChangeSource {
    public var files: [String]
    public var configPath: String?
    public var hostnameOverride: String?
    public var fallbackNodeName: String?
    /// The input as loaded at start.
    public var initial: LoadedInput
    public var pollInterval: Duration = .milliseconds(200)
    public var logger: Logger

    public init(files: [String], configPath: String?, hostnameOverride: String?, fallbackNodeName: String?,
                initial: LoadedInput, logger: Logger) {
        self.files = files
        self.configPath = configPath
        self.hostnameOverride = hostnameOverride
        self.fallbackNodeName = fallbackNodeName
        self.initial = initial
        self.logger = logger
    }

    public func run(deliver: @escaping @Sendable (ObjectChangeBatch) -> Void) async throws {
        var previous = ObjectSnapshot(initial.manifests, nodeName: initial.nodeName)
        var seen = ManifestFingerprint(paths: watchedPaths)
        deliver(ObjectChangeBatch(previous.additions))
        logger.info("watching \(seen.fileCount) input \(seen.fileCount == 1 ? "file" : "files")")
        while true {
            try await Task.sleep(for: pollInterval)
            let current = ManifestFingerprint(paths: watchedPaths)
            guard current != seen else { continue }
            seen = current
            let loaded: LoadedInput
            do {
                loaded = try LoadedInput.load(files: files, configPath: configPath, hostnameOverride: hostnameOverride,
                                              fallbackNodeName: fallbackNodeName)
            } catch {
                for warning in error.warnings { logger.warning("\(warning)") }
                logger.error("\(error.description)")
                logger.error("the input is invalid; the rules last applied stay")
                continue
            }
            for warning in loaded.manifests.warnings { logger.warning("\(warning)") }
            guard loaded.configuration == initial.configuration else {
                throw ProxyRuntimeError(.inputUnusable, "the configuration in \(loaded.configurationSource) changed; start again to use it")
            }
            let next = ObjectSnapshot(loaded.manifests, nodeName: loaded.nodeName)
            let changes = previous.changes(to: next)
            previous = next
            if !changes.isEmpty { deliver(ObjectChangeBatch(changes)) }
        }
    }

    private var watchedPaths: [String] { files + (configPath.map { [$0] } ?? []) }
}
