import Synchronization

/// Names for the anonymous sets our rules carry (a `numgen` map, a `{ … }` of source
/// ranges). nft sends `__map%d` and lets the kernel pick the number, which it does by
/// scanning the names of every set in the table: at 10,000 services that scan is most of a
/// sync's kernel time. These names are chosen here instead, unique without a scan: a random
/// prefix per process and a counter. (nft lists anonymous sets by their contents, so the
/// name shows nowhere.)
enum NftAnonymousSetName {
    private static let prefix = String(UInt64.random(in: .min ... .max), radix: 16)
    private static let counter = Atomic<UInt64>(0)

    /// A new name: `__map…` for a verdict map, `__set…` for a set.
    static func next(isMap: Bool) -> String {
        let number = counter.add(1, ordering: .relaxed).newValue
        return (isMap ? "__map" : "__set") + prefix + "_" + String(number)
    }
}
