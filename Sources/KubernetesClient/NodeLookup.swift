import Logging
import ServiceModel

/// Waits for the proxy's Node and its IPs at start, as kube-proxy does before it plans:
/// the node's first IP decides the family to proxy when none is given.
public enum NodeLookup {
    /// The Node named `name` once it has an InternalIP or ExternalIP; `nil` when none came
    /// within `timeout` (or the server could not be asked).
    public static func waitForIPs(client: APIClient, name: String, timeout: Duration, logger: Logger) async throws -> Node? {
        let deadline = ContinuousClock.now + timeout
        var backoff = RetryBackoff(initial: .milliseconds(500), maximum: .seconds(5))
        var logged = false
        while true {
            do {
                let resource = APIResource.node(name)
                let body = try await client.get(resource.path, query: resource.selectorQuery, timeout: .seconds(30))
                let list = try APIList.decode(body, kind: "Node", source: resource.path)
                if case .node(let node)? = list.objects.first, !node.nodeIPs.isEmpty { return node }
                if !logged { logger.info("waiting for Node \"\(name)\" to have IPs") }
            } catch let error as APIRequestError {
                if !logged { logger.warning("cannot read Node \"\(name)\" yet: \(error)") }
            } catch let error as ManifestErrors {
                if !logged { logger.warning("Node \"\(name)\" is not usable yet: \(error)") }
            }
            logged = true
            let wait = backoff.failure()
            guard ContinuousClock.now + wait < deadline else { return nil }
            try await Task.sleep(for: wait)
        }
    }
}
