import Dispatch

/// A task executor on a serial dispatch queue of its own, for async tests that must make
/// progress while the rest of the suite runs: synchronous kernel tests block the two
/// threads of the concurrency pool for minutes at a time. Tasks started with this
/// executor preferred (and their child tasks) run here instead.
public final class TestExecutor: TaskExecutor, @unchecked Sendable {
    /// One shared queue: serial queues get a thread of their own from dispatch, outside
    /// the concurrency pool. (`@unchecked`: the queue is the only state, and it is thread-safe.)
    public static let shared = TestExecutor()
    private let queue = DispatchQueue(label: "kproxy.test-executor")

    public func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        queue.async { job.runSynchronously(on: self.asUnownedTaskExecutor()) }
    }
}
