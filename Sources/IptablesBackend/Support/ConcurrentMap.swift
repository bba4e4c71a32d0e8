#if canImport(Glibc)
import Glibc
#endif
import Dispatch

extension Array where Element: Sendable {
    /// `compactMap`, with the elements split into one contiguous run per core and the runs
    /// transformed in parallel; the results keep the elements' order. Small arrays are
    /// transformed in place, where threads would cost more than they save.
    func concurrentCompactMap<Result: Sendable>(minimumPerRun: Int = 512,
                                                _ transform: @Sendable (Element) -> Result?) -> [Result] {
        let runs = Swift.min(ProcessInfoCores.active, count / minimumPerRun)
        guard runs > 1 else { return compactMap(transform) }
        var partial = [[Result]](repeating: [], count: runs)
        let elements = self
        partial.withUnsafeMutableBufferPointer { buffer in
            nonisolated(unsafe) let slots = buffer
            DispatchQueue.concurrentPerform(iterations: runs) { run in
                let range = elements.count * run / runs ..< elements.count * (run + 1) / runs
                slots[run] = elements[range].compactMap(transform)
            }
        }
        var result: [Result] = []
        result.reserveCapacity(partial.reduce(0) { $0 + $1.count })
        for run in partial { result += run }
        return result
    }
}

/// The number of cores this process may run on.
enum ProcessInfoCores {
    static let active: Int = {
        #if canImport(Glibc)
        return Swift.max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))))
        #else
        return 1
        #endif
    }()
}
