extension Array {
    /// `prefix`, then the arrays `parts` hold at `field`, in order, then `suffix`: one array
    /// made by moving the parts' elements, not copying them. Each part's array is left
    /// holding `filler` in their place.
    ///
    /// A copy touches the reference counts of what each element holds; in a plan made on
    /// every core, most of those were last touched on another core, so each is a cache miss.
    /// A move is a plain memory copy of the elements themselves.
    static func concatenating<Part>(_ prefix: [Element], moving field: WritableKeyPath<Part, [Element]>,
                                    of parts: inout [Part], filler: Element,
                                    suffix: [Element] = []) -> [Element] {
        var total = prefix.count + suffix.count
        for index in parts.indices { total += parts[index][keyPath: field].count }
        guard total > 0 else { return [] }
        return [Element](unsafeUninitializedCapacity: total) { buffer, initialized in
            var next = buffer.baseAddress!
            for element in prefix {
                next.initialize(to: element)
                next += 1
            }
            for index in parts.indices {
                parts[index][keyPath: field].withUnsafeMutableBufferPointer { elements in
                    guard let start = elements.baseAddress else { return }
                    next.moveInitialize(from: start, count: elements.count)
                    start.initialize(repeating: filler, count: elements.count)
                    next += elements.count
                }
            }
            for element in suffix {
                next.initialize(to: element)
                next += 1
            }
            initialized = total
        }
    }
}
