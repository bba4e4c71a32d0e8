import KubernetesClient
import Testing

/// The pieces of a watch: lines put back together across reads, and the wait after a failure.
@Suite struct WatchPiecesTests {
    @Test(arguments: [1, 2, 3, 7, 64])
    func linesSplitAcrossReadsAreReassembled(chunkSize: Int) throws {
        let body = Array("{\"type\":\"ADDED\",\"object\":{\"name\":\"é\"}}\n\n{\"type\":\"BOOKMARK\"}\n{\"type\":\"DEL".utf8)
        var splitter = WatchLineSplitter()
        var lines: [String] = []
        for start in stride(from: 0, to: body.count, by: chunkSize) {
            lines += try splitter.lines(body[start..<min(start + chunkSize, body.count)]).map { String(decoding: $0, as: UTF8.self) }
        }
        #expect(lines == [#"{"type":"ADDED","object":{"name":"é"}}"#, #"{"type":"BOOKMARK"}"#])
        #expect(String(decoding: splitter.remainder, as: UTF8.self) == #"{"type":"DEL"#)
    }

    @Test func aLineWithoutEndIsRefusedPastTheLimit() {
        var splitter = WatchLineSplitter(maximumLineLength: 8)
        #expect(throws: WatchLineTooLong(length: 9)) { _ = try splitter.lines(Array("123456789".utf8)) }
    }

    @Test func backoffDoublesToThirtySecondsAndHonoursRetryAfter() {
        var backoff = RetryBackoff()
        let waits = (0..<8).map { _ in backoff.failure() }
        #expect(waits == [.milliseconds(800), .milliseconds(1600), .milliseconds(3200), .milliseconds(6400),
                          .milliseconds(12800), .milliseconds(25600), .seconds(30), .seconds(30)])
        backoff.success()
        #expect(backoff.failure(retryAfter: 5) == .seconds(5))
        #expect(backoff.failure(retryAfter: 1) == .milliseconds(1600))
        #expect(backoff.failure(retryAfter: 120) == .seconds(120))
    }
}
