import Foundation
@testable import ProxyRuntime
import ServiceModel
import Testing

/// What `sync --watch` follows: the manifest files its paths stand for, each once.
@Suite struct FileChangeSourceTests {
    struct Layout: Sendable, CustomTestStringConvertible {
        /// Paths as given, relative to a directory holding `dir/cluster.yaml`,
        /// `dir/kube-proxy.yaml`, `dir/notes.txt` and `dir/.hidden.yaml`.
        var paths: [String]
        var files: Int
        var testDescription: String { "\(paths.joined(separator: " ")) → \(files)" }
    }

    static let layouts: [Layout] = [
        Layout(paths: ["dir"], files: 2),
        Layout(paths: ["dir", "dir/kube-proxy.yaml"], files: 2),
        Layout(paths: ["dir", "dir/./kube-proxy.yaml"], files: 2),
        Layout(paths: ["dir/cluster.yaml", "dir/cluster.yaml"], files: 1),
        Layout(paths: ["dir/cluster.yaml"], files: 1),
        Layout(paths: ["missing.yaml"], files: 0),
    ]

    @Test(arguments: layouts)
    func eachManifestFileCountsOnce(_ layout: Layout) throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("kproxy-watch-\(getpid())-\(UInt32.random(in: 0...UInt32.max))").path
        try FileManager.default.createDirectory(atPath: root + "/dir", withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: root) }
        for name in ["cluster.yaml", "kube-proxy.yaml", "notes.txt", ".hidden.yaml"] {
            try "kind: Service\n".write(toFile: root + "/dir/" + name, atomically: true, encoding: .utf8)
        }
        let fingerprint = ManifestFingerprint(paths: layout.paths.map { root + "/" + $0 })
        #expect(fingerprint.fileCount == layout.files)
    }
}
