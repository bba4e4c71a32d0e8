import Foundation
import Testing

/// Compares `actual` with the golden file at `path` (relative to the package root). With
/// UPDATE_GOLDEN=1 the file is rewritten and the test fails on purpose, so a recording run
/// is never green; review the change with `git diff Fixtures/`.
public func assertGolden(_ actual: String, _ path: String, sourceLocation: SourceLocation = #_sourceLocation) {
    let full = packagePath(path)
    if ProcessInfo.processInfo.environment["UPDATE_GOLDEN"] == "1" {
        try? FileManager.default.createDirectory(atPath: (full as NSString).deletingLastPathComponent,
                                                 withIntermediateDirectories: true)
        try? actual.write(toFile: full, atomically: true, encoding: .utf8)
        Issue.record("re-recorded \(path); run again without UPDATE_GOLDEN", sourceLocation: sourceLocation)
        return
    }
    guard let expected = try? String(contentsOfFile: full, encoding: .utf8) else {
        Issue.record("missing golden file \(path); record it with UPDATE_GOLDEN=1", sourceLocation: sourceLocation)
        return
    }
    guard let difference = firstDifference(actual, expected) else { return }
    Issue.record("\(path) \(difference)\nrerun with UPDATE_GOLDEN=1 to accept.", sourceLocation: sourceLocation)
}

/// Where two texts first differ, with three lines of context on each side; `nil` when
/// they are equal.
public func firstDifference(_ actual: String, _ expected: String) -> String? {
    guard actual != expected else { return nil }
    let actualLines = actual.split(separator: "\n", omittingEmptySubsequences: false)
    let expectedLines = expected.split(separator: "\n", omittingEmptySubsequences: false)
    let first = zip(actualLines, expectedLines).enumerated().first { $0.element.0 != $0.element.1 }?.offset
        ?? min(actualLines.count, expectedLines.count)
    let context = { (lines: [Substring]) in lines[max(0, first - 3)..<min(lines.count, first + 4)].joined(separator: "\n") }
    return """
        differs at line \(first + 1).
        expected:
        \(context(expectedLines))
        actual:
        \(context(actualLines))
        """
}
