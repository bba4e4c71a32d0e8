#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The probability of a `-m statistic --mode random` match, always one in `denominator`:
/// kube-proxy picks endpoint i of n with 1/(n−i), which gives every endpoint an equal share.
public struct Probability: Hashable, Sendable, CustomStringConvertible {
    /// The match succeeds for one packet in this many.
    public let denominator: Int

    /// One in `denominator`; `denominator` must be at least 1.
    public init(oneIn denominator: Int) {
        precondition(denominator >= 1, "a probability of one in \(denominator)")
        self.denominator = denominator
    }

    public var value: Double { 1.0 / Double(denominator) }

    /// The value with ten decimals, rounded from the double 1/n exactly as Go's `%0.10f`
    /// (and C's) does: `0.3333333333`, and `0.0004882812` for n = 2048.
    public var description: String {
        denominator < Self.cache.count ? Self.cache[denominator] : Self.format(value)
    }

    private static let cache: [String] = (0...1024).map { $0 == 0 ? "" : format(1.0 / Double($0)) }

    private static func format(_ value: Double) -> String {
        withUnsafeTemporaryAllocation(of: CChar.self, capacity: 32) { buffer in
            _ = withVaList([value]) { vsnprintf(buffer.baseAddress!, 32, "%0.10f", $0) }
            return String(cString: buffer.baseAddress!)
        }
    }
}
