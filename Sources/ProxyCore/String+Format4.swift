extension String {
    /// Four decimals, for probabilities in text output (`0.3333`).
    public init(format4 value: Double) {
        let scaled = (value * 10_000).rounded()
        let whole = Int(scaled) / 10_000
        let fraction = String(Int(scaled) % 10_000)
        self = "\(whole)." + String(repeating: "0", count: 4 - fraction.count) + fraction
    }
}
