import Foundation
import KProxyTestSupport
import Testing

/// A full or closed output stream is an error the command reports with its exit status,
/// never a crash: the command's own failure keeps its status, a success becomes 1.
@Suite struct OutputFailureTests {
    enum Stream: String, Sendable { case output = "stdout", error = "stderr" }
    enum Sink: String, Sendable { case full = "/dev/full", closedPipe = "a closed pipe" }

    struct Case: Sendable, CustomTestStringConvertible {
        var arguments: [String]
        var stream: Stream
        var sink: Sink
        var status: Int32
        var testDescription: String { "\(arguments.prefix(2).joined(separator: " ")), \(stream) to \(sink.rawValue) → \(status)" }
    }

    static let cases: [Case] = [
        Case(arguments: ["validate", "-f", "Fixtures/cases/kube-dns"], stream: .output, sink: .full, status: 1),
        Case(arguments: ["validate", "-f", "Fixtures/cases/kube-dns"], stream: .output, sink: .closedPipe, status: 1),
        Case(arguments: ["validate", "-f", "does-not-exist.yaml"], stream: .error, sink: .full, status: 2),
        Case(arguments: ["validate", "-f", "does-not-exist.yaml"], stream: .error, sink: .closedPipe, status: 2),
        Case(arguments: ["sync", "--dry-run", "-f", "Fixtures/cases/kube-dns"], stream: .output, sink: .full, status: 1),
        Case(arguments: ["sync", "--dry-run", "-f", "Fixtures/cases/kube-dns"], stream: .output, sink: .closedPipe, status: 1),
        Case(arguments: ["sync", "--dry-run", "-f", "Fixtures/cases/kube-dns"], stream: .error, sink: .full, status: 0),
    ]

    @Test(arguments: cases)
    func aFailedWriteEndsWithAStatusNotACrash(_ input: Case) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = input.arguments
        process.currentDirectoryURL = URL(fileURLWithPath: packageRoot)
        let sink: FileHandle
        switch input.sink {
        case .full:
            sink = try #require(FileHandle(forWritingAtPath: "/dev/full"))
        case .closedPipe:
            let pipe = Pipe()
            try pipe.fileHandleForReading.close()
            sink = pipe.fileHandleForWriting
        }
        let other = Pipe()
        if input.stream == .output {
            process.standardOutput = sink
            process.standardError = other
        } else {
            process.standardOutput = other
            process.standardError = sink
        }
        try process.run()
        try sink.close()
        let otherText = String(decoding: other.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationReason == .exit, "ended by signal \(process.terminationStatus)")
        #expect(process.terminationStatus == input.status)
        if input.stream == .output, input.status == 1 {
            #expect(otherText.contains("kproxy-iptables: cannot write standard output: "))
        }
    }
}
