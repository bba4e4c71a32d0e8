import Foundation

/// What is known of a set of manifest paths without reading them: each file's modification
/// time and size, each directory's listing (of the files ``ManifestLoader`` would read).
/// Two fingerprints that differ mean the input changed.
public struct ManifestFingerprint: Equatable, Sendable {
    /// Each path seen, spelled one way (`dir/./a.yaml` is `dir/a.yaml`), so a file named
    /// twice (a directory's configuration also given with `--config`) counts once.
    private var entries: [String: String] = [:]
    /// How many files (not directories) the paths stand for.
    public private(set) var fileCount = 0

    public init(paths: [String]) {
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
