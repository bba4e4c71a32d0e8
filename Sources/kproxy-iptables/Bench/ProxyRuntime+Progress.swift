import ProxyRuntime

extension ProxyRuntime {
    /// Waits until the sync progress meets `condition`, up to 600 s.
    func waitForProgress(_ condition: (SyncProgress.Snapshot) -> Bool) async throws {
        let deadline = ContinuousClock.now + .seconds(600)
        while !condition(progress.snapshot) {
            guard ContinuousClock.now < deadline else { throw BenchError("the runtime did not sync within 600 s") }
            try await Task.sleep(for: .milliseconds(2))
        }
    }
}
