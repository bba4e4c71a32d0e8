@testable import IngressProxy
import Testing

/// A short list as a behaviour table: elements appended → what it holds, in order.
@Suite struct ShortListTests {
    @Test(arguments: [[Int](), [7], [7, 3], [7, 3, 7, 9]])
    func holdsWhatWasAppendedInOrder(_ elements: [Int]) {
        var list = ShortList<Int>()
        for element in elements { list.append(element) }
        #expect(Array(list) == elements)
        #expect(list.count == elements.count)
        #expect(list.isEmpty == elements.isEmpty)
        for candidate in 0...10 { #expect(list.contains(candidate) == elements.contains(candidate), "\(candidate)") }
    }
}
