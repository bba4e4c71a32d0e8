#if canImport(Glibc)
import Glibc
#endif
import Dispatch

/// Splits `0..<count` into one contiguous run per core and folds each run, index by index
/// and in parallel, into its own copy of `initial`; returns the runs' accumulators in order.
/// Small counts make one run, folded on this thread, where threads would cost more than
/// they save.
///
/// Shared by the model (decoding an API server's list) and the planners.
public func concurrentRuns<Accumulator: Sendable>(count: Int, minimumPerRun: Int = 512, initial: Accumulator,
                                           _ fold: @Sendable (inout Accumulator, Int) -> Void) -> [Accumulator] {
    let runs = Swift.max(1, Swift.min(ProcessInfoCores.active, count / minimumPerRun))
    var accumulators = [Accumulator](repeating: initial, count: runs)
    accumulators.withUnsafeMutableBufferPointer { buffer in
        nonisolated(unsafe) let slots = buffer
        @Sendable func foldRun(_ run: Int) {
            for index in count * run / runs ..< count * (run + 1) / runs {
                fold(&slots[run], index)
            }
        }
        if runs == 1 {
            foldRun(0)
        } else {
            DispatchQueue.concurrentPerform(iterations: runs, execute: foldRun)
        }
    }
    return accumulators
}

/// The number of cores this process may run on.
public enum ProcessInfoCores {
    public static let active: Int = {
        #if canImport(Glibc)
        return Swift.max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))))
        #else
        return 1
        #endif
    }()
}
