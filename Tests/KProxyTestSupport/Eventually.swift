import Testing

/// Waits up to `seconds` for `condition`, failing the test if it never holds. The limit is
/// generous: the whole suite runs at once on two cores, and blocking tests can hold every
/// thread of the concurrency pool for a while; a condition that holds is seen at once.
public func eventually(seconds: Double = 120, sourceLocation: SourceLocation = #_sourceLocation,
                       _ condition: () -> Bool) async throws {
    let deadline = ContinuousClock.now + .milliseconds(Int(seconds * 1000))
    while !condition() {
        guard ContinuousClock.now < deadline else {
            Issue.record("condition not met within \(seconds) s", sourceLocation: sourceLocation)
            throw CancellationError()
        }
        try await Task.sleep(for: .milliseconds(20))
    }
}
