import Foundation

/// Runs a blocking call (a socket read, a child process) on a thread of its own and awaits
/// it, so the threads of the concurrency pool stay free meanwhile: a test that blocks them
/// delays every other test's awaits, timers and tasks. (Not a dispatch queue: on Linux the
/// global queues share the pool's few threads.)
public func offThePool<Value: Sendable>(_ body: @escaping @Sendable () throws -> Value) async throws -> Value {
    try await withCheckedThrowingContinuation { continuation in
        Thread { continuation.resume(with: Result { try body() }) }.start()
    }
}
