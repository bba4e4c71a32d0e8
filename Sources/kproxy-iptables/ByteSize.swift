import ArgumentParser

/// A size as nginx writes one (`proxy-body-size`): bytes, or `k`, `m`, `g` for KiB, MiB,
/// GiB; `0` for no limit.
struct ByteSize: ExpressibleByArgument, Equatable {
    /// The bytes, `nil` for no limit.
    var bytes: Int?

    init?(argument: String) {
        let text = argument.lowercased()
        let multipliers: [Character: Int] = ["k": 1 << 10, "m": 1 << 20, "g": 1 << 30]
        var digits = Substring(text)
        var multiplier = 1
        if let last = text.last, let unit = multipliers[last] {
            multiplier = unit
            digits = digits.dropLast()
        }
        guard let value = Int(digits), value >= 0, value <= Int.max / multiplier else { return nil }
        bytes = value == 0 ? nil : value * multiplier
    }

    var defaultValueDescription: String { bytes.map { "\($0) bytes" } ?? "no limit" }
}
