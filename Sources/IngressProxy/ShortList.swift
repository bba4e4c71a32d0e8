/// A list that keeps its first element inline: most of these lists (the endpoints a
/// request tried, the hop-by-hop lines of a response head) hold one element at most, and
/// then cost no allocation.
struct ShortList<Element: Equatable>: Sequence {
    private var first: Element?
    private var rest: [Element] = []

    init() {}

    var isEmpty: Bool { first == nil }
    var count: Int { first == nil ? 0 : 1 + rest.count }

    mutating func append(_ element: Element) {
        if first == nil { first = element } else { rest.append(element) }
    }

    func contains(_ element: Element) -> Bool {
        first == element || (!rest.isEmpty && rest.contains(element))
    }

    func makeIterator() -> Iterator {
        Iterator(first: first, rest: rest.makeIterator())
    }

    /// The first element, then the rest in order.
    struct Iterator: IteratorProtocol {
        fileprivate var first: Element?
        fileprivate var rest: IndexingIterator<[Element]>

        mutating func next() -> Element? {
            if let element = first.take() { return element }
            return rest.next()
        }
    }
}
