import ServiceModel

/// An installed rule as a line of text: for a libiptc entry, our restore form when we can
/// read it, else what it holds; for a saved rule, exactly as the save tool printed it, so
/// a difference of spelling is never hidden.
struct RuleDescriber {
    let decoder: EntryDecoder

    init(family: IPFamily) {
        decoder = EntryDecoder(family: family)
    }

    func describe(_ rule: InstalledRule) -> String {
        switch rule {
        case .entry(let entry): return decoder.describe(entry)
        case .saved(let text): return text
        }
    }
}
