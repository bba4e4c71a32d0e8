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
        var seen = InputFingerprint(paths: watchedPaths)
        deliver(ObjectChangeBatch(previous.additions))
        logger.info("watching \(seen.fileCount) input \(seen.fileCount == 1 ? "file" : "files")")
        while true {
            try await Task.sleep(for: pollInterval)
            let current = InputFingerprint(paths: watchedPaths)
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

/// What is known of a set of input paths without reading them: each file's modification
/// time and size, each directory's listing.
struct InputFingerprint: Equatable {
    /// Each path seen, spelled one way (`dir/./a.yaml` is `dir/a.yaml`), so a file named
    /// twice (a directory's configuration also given with `--config`) counts once.
    private var entries: [String: String] = [:]
    /// How many files (not directories) the paths stand for.
    private(set) var fileCount = 0

    init(paths: [String]) {
        let fileManager = FileManager.default
        var pending = paths.map { URL(fileURLWithPath: $0).standardizedFileURL.path }
        var index = 0
        while index < pending.count {
            let path = pending[index]
            index += 1
            guard entries[path] == nil else { continue }
            guard let attributes = try? fileManager.attributesOfItem(atPath: path) else {
                entries[path] = "missing"
                continue
            }
            if attributes[.type] as? FileAttributeType == .typeDirectory {
                // The files a directory stands for are its manifest files, as the loader reads them.
                let children = ((try? fileManager.contentsOfDirectory(atPath: path)) ?? []).sorted().filter { name in
                    !name.hasPrefix(".") && ManifestLoader.manifestExtensions.contains {
                        name.lowercased().hasSuffix("." + $0)
                    }
                }
                pending += children.map { path + "/" + $0 }
                entries[path] = "directory:" + children.joined(separator: ",")
            } else {
                let date = (attributes[.modificationDate] as? Date)?.timeIntervalSince1970 ?? 0
                entries[path] = "\(date):\(attributes[.size] ?? 0)"
                fileCount += 1
            }
        }
    }
}
