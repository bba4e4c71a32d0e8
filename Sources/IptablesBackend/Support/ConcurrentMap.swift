#if canImport(Glibc)
import Glibc
#endif
import Dispatch

/// `(0..<count).compactMap(transform)`, with the indices split into one contiguous run per
/// core and the runs transformed in parallel; the results keep the indices' order. Small
/// counts are transformed on this thread, where threads would cost more than they save.
///
/// `transform` gets an index, not an element, so it can read its input in place; and each
/// run's results are moved into the whole, not copied. Copying a value means touching the
/// reference counts of everything it holds, and for data made or last touched on another
/// core that is a cache miss each.
func concurrentCompactMap<Result: Sendable>(count: Int, minimumPerRun: Int = 512,
                                            _ transform: @Sendable (Int) -> Result?) -> [Result] {
    let runs = Swift.max(1, Swift.min(ProcessInfoCores.active, count / minimumPerRun))
    // Each run's results, at the start of the run's own range of `results`.
    let results = UnsafeMutablePointer<Result>.allocate(capacity: Swift.max(1, count))
    defer { results.deallocate() }
    let produced = UnsafeMutablePointer<Int>.allocate(capacity: runs)
    defer { produced.deallocate() }
    nonisolated(unsafe) let resultSlots = results, producedSlots = produced
    @Sendable func transformRun(_ run: Int) {
        let range = count * run / runs ..< count * (run + 1) / runs
        var next = resultSlots + range.lowerBound
        for index in range {
            if let result = transform(index) {
                next.initialize(to: result)
                next += 1
            }
        }
        producedSlots[run] = next - (resultSlots + range.lowerBound)
    }
    if runs == 1 {
        transformRun(0)
    } else {
        DispatchQueue.concurrentPerform(iterations: runs, execute: transformRun)
    }
    let total = (0..<runs).reduce(0) { $0 + produced[$1] }
    return [Result](unsafeUninitializedCapacity: total) { buffer, initialized in
        for run in 0..<runs {
            (buffer.baseAddress! + initialized).moveInitialize(from: results + count * run / runs, count: produced[run])
            initialized += produced[run]
        }
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
