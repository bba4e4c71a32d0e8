/// Where a ``ProxyRuntime`` learns of object changes: manifest files on disk
/// (``FileChangeSource``) or the Kubernetes API server.
///
/// A source's first batch is the whole initial state of every kind it follows, never part
/// of it: the runtime plans nothing until that batch arrives. Later batches carry only
/// changes. A source that can no longer follow (its input became unusable for good) ends
/// its stream by throwing; the runtime stops with that error.
public protocol ObjectChangeSource: Sendable {
    /// Runs the source, calling `deliver` with each batch, until the task is cancelled.
    func run(deliver: @escaping @Sendable (ObjectChangeBatch) -> Void) async throws
}
