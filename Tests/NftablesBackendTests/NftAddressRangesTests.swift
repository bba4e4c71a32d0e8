import NftablesBackend
import ServiceModel
import Testing

/// A set's prefixes as the kernel keeps them (merged intervals), and each interval back as
/// the fewest prefixes covering it: prefixes in → prefixes out.
@Suite struct NftAddressRangesTests {
    @Test(arguments: [
        (["192.0.2.0/25", "192.0.2.128/25"], ["192.0.2.0/24"]),
        (["10.0.0.0/8", "10.1.0.0/16"], ["10.0.0.0/8"]),
        (["10.0.0.0/8", "0.0.0.0/0"], ["0.0.0.0/0"]),
        (["10.0.0.0/23", "10.0.2.0/24"], ["10.0.0.0/23", "10.0.2.0/24"]),
        (["10.0.0.1/32", "10.0.0.2/31", "10.0.0.4/32"], ["10.0.0.1/32", "10.0.0.2/31", "10.0.0.4/32"]),
        (["255.255.255.255/32", "1.2.3.4/32"], ["1.2.3.4/32", "255.255.255.255/32"]),
        (["2001:db8::/33", "2001:db8:8000::/33"], ["2001:db8::/32"]),
        (["::/0"], ["::/0"]),
    ])
    func mergedAndCovered(_ prefixes: [String], _ expected: [String]) {
        let merged = NftAddressRanges.merged(prefixes.map { IPPrefix($0)! })
        #expect(merged.flatMap(NftAddressRanges.prefixes).map(\.description) == expected)
    }
}
