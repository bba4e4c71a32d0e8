import Foundation

/// What `wrk --latency` reports of one run: the requests answered, requests per second and
/// the 99th percentile latency.
struct WrkReport: Equatable {
    var requests: Int
    var requestsPerSecond: Double
    var p99Milliseconds: Double
    /// Non-2xx or 3xx responses and socket errors: a run with any is not a fair figure.
    var failures: Int

    /// Reads wrk's text output; `nil` when the figures are missing.
    init?(_ output: String) {
        var requests: Int?
        var rate: Double?
        var p99: Double?
        var failures = 0
        for line in output.split(separator: "\n") {
            let words = line.split(separator: " ", omittingEmptySubsequences: true)
            // "  353421 requests in 10.00s, 49.55MB read"
            if words.count > 2, words[1] == "requests", words[2] == "in" { requests = Int(words[0]) }
            if line.hasPrefix("Requests/sec:"), let value = words.last.flatMap({ Double($0) }) { rate = value }
            if words.first == "99%", let text = words.last { p99 = Self.milliseconds(String(text)) }
            if line.contains("Non-2xx or 3xx responses:"), let count = words.last.flatMap({ Int($0) }) { failures += count }
            if line.contains("Socket errors:") {
                // "Socket errors: connect 0, read 0, write 0, timeout 0"
                failures += words.compactMap { Int($0.trimmingCharacters(in: [","])) }.reduce(0, +)
            }
        }
        guard let requests, let rate, let p99 else { return nil }
        self.requests = requests
        requestsPerSecond = rate
        p99Milliseconds = p99
        self.failures = failures
    }

    /// `812.00us`, `1.23ms`, `2.01s` in milliseconds.
    static func milliseconds(_ text: String) -> Double? {
        for (unit, factor) in [("us", 0.001), ("ms", 1.0), ("s", 1000.0)] where text.hasSuffix(unit) {
            return Double(text.dropLast(unit.count)).map { $0 * factor }
        }
        return nil
    }
}
