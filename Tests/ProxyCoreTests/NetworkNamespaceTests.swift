import ProxyCore
import Synchronization
import Testing

/// Code sent into a namespace either runs there or fails to start: it never silently
/// does not run, leaving its caller waiting.
@Suite struct NetworkNamespaceTests {
    @Test func spawningIntoANamespaceThatCannotBeEnteredThrows() {
        let ran = Mutex(false)
        let namespace = NetworkNamespace(name: "kpx-never-created-\(UInt32.random(in: 0...UInt32.max))")
        let thrown = #expect(throws: NamespaceError.self) {
            try namespace.spawn { ran.withLock { $0 = true } }
        }
        #expect(thrown?.description.hasPrefix("network namespace \(namespace.name): open /run/netns/") == true)
        #expect(!ran.withLock { $0 })
    }
}
