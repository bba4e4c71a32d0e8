import CLibFuzzer
import Foundation

/// The `main` of a fuzz target. Linked with libFuzzer (`scripts/fuzz`), it hands the command
/// line to libFuzzer's driver; built as usual, it replays saved inputs through the same
/// entry: every file named, and every file in every directory named (a corpus, or the
/// crashes a run left), so a finding reproduces in a debugger-friendly build.
public enum FuzzMain {
    /// One input, as libFuzzer calls it; returns 0.
    private typealias Entry = @convention(c) (UnsafePointer<UInt8>?, Int) -> Int32

    /// What one input is given to. Safe to share: written once in ``run(_:)`` before
    /// libFuzzer or the replay starts, then only read, and both call in from one thread.
    nonisolated(unsafe) private static var body: ([UInt8]) -> Void = { _ in }

    /// The C entry libFuzzer calls: copies the input (libFuzzer may reuse its buffer) and
    /// hands it to ``body``.
    private static let entry: Entry = { data, size in
        body(data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? [])
        return 0
    }

    /// Runs `body` on every input: under libFuzzer when linked with it, otherwise on the
    /// files the command line names.
    public static func run(_ body: @escaping ([UInt8]) -> Void) -> Never {
        Self.body = body
        if kpx_fuzzer_linked() != 0 {
            exit(kpx_fuzzer_run(CommandLine.argc, CommandLine.unsafeArgv, entry))
        }
        replay(Array(CommandLine.arguments.dropFirst()), entry)
    }

    private static func replay(_ arguments: [String], _ entry: Entry) -> Never {
        guard !arguments.isEmpty else {
            FileHandle.standardError.write(Data("usage: \(CommandLine.arguments[0]) FILE_OR_DIR...\n".utf8))
            exit(64)
        }
        var count = 0
        for path in arguments {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
                FileHandle.standardError.write(Data("\(path): no such file or directory\n".utf8))
                exit(2)
            }
            let files = isDirectory.boolValue
                ? ((try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []).sorted().map { path + "/" + $0 }
                : [path]
            for file in files {
                guard let data = FileManager.default.contents(atPath: file) else { continue }
                _ = [UInt8](data).withUnsafeBufferPointer { entry($0.baseAddress, $0.count) }
                count += 1
            }
        }
        print("\(count) inputs replayed without a crash")
        exit(0)
    }
}
