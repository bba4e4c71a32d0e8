import Foundation
import IptablesBackend
import ProxyCore

/// The figures one `bench` prints, in order: a readable table or one JSON object.
/// Milliseconds are medians over the runs; a figure not measured is `null`.
struct BenchFigures {
    enum Value {
        case integer(Int?)
        case number(Double?)
        case text(String)

        var json: String {
            switch self {
            case .integer(let value): return value.map { String($0) } ?? "null"
            case .number(let value): return value.map(Self.rounded) ?? "null"
            case .text(let value): return "\"\(value)\""
            }
        }

        var readable: String {
            switch self {
            case .text(let value): return value
            default: return json
            }
        }

        /// One decimal place.
        static func rounded(_ value: Double) -> String {
            String(Double(Int((value * 10).rounded())) / 10)
        }
    }

    private(set) var entries: [(key: String, value: Value)] = []

    mutating func add(_ key: String, _ value: Value) {
        entries.append((key, value))
    }

    /// Adds the median of `values`, or null when there are none.
    mutating func add(_ key: String, median values: [Double]) {
        add(key, .number(Self.median(values)))
    }

    /// The nearest-rank percentile (`fraction` 0.99 for p99), or `nil` for no values.
    static func percentile(_ values: [Double], _ fraction: Double) -> Double? {
        guard !values.isEmpty else { return nil }
        let sorted = values.sorted()
        let rank = Int((fraction * Double(sorted.count)).rounded(.up))
        return sorted[min(sorted.count, max(1, rank)) - 1]
    }

    static func median(_ values: [Double]) -> Double? {
        guard !values.isEmpty else { return nil }
        let sorted = values.sorted()
        return sorted.count % 2 == 1 ? sorted[sorted.count / 2]
            : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
    }

    var json: String {
        "{" + entries.map { "\"\($0.key)\": \($0.value.json)" }.joined(separator: ", ") + "}"
    }

    var table: String {
        let width = entries.map(\.key.count).max() ?? 0
        return entries.map { $0.key.padding(width) + "  " + $0.value.readable }.joined(separator: "\n")
    }
}

extension Duration {
    var milliseconds: Double {
        let (seconds, attoseconds) = components
        return Double(seconds) * 1000 + Double(attoseconds) / 1e15
    }
}

/// The process's resident memory, from /proc.
enum ProcessMemory {
    /// Resets the kernel's peak-RSS mark (VmHWM), so the next reading covers what follows.
    static func resetPeak() {
        if let handle = FileHandle(forWritingAtPath: "/proc/self/clear_refs") {
            handle.write(Data("5".utf8))
            try? handle.close()
        }
    }

    /// VmHWM in MiB.
    static func peakResidentMegabytes() -> Double {
        Double(ChildProcess.peakResidentKilobytes(of: getpid()) ?? 0) / 1024
    }

    /// VmRSS in MiB.
    static func residentMegabytes() -> Double {
        Double(ChildProcess.residentKilobytes(of: getpid()) ?? 0) / 1024
    }
}

/// Progress lines on standard error, so standard output holds only the figures.
func benchProgress(_ message: String) {
    var error = StandardStream.error
    error.write("bench: \(message)\n")
}
