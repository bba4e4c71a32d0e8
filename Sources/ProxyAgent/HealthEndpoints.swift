import Foundation
import ProxyRuntime

/// kube-proxy's `/healthz` and `/livez`: 200 while no change has waited longer than
/// 2 × syncPeriod, else 503; `/healthz` is also 503 while the Node is being deleted.
/// JSON with `lastUpdated`, `currentTime` (RFC 3339) and, on `/healthz`, `nodeEligible`.
public struct HealthEndpoints: Sendable {
    public let health: ProxyHealth
    public let metrics: ProxyMetrics
    /// The `ip_family` key of the per-family status (`IPv4`).
    public let family: String

    public init(health: ProxyHealth, metrics: ProxyMetrics) {
        self.health = health
        self.metrics = metrics
        family = metrics.family
    }

    /// The answer for `path` now.
    public func answer(_ path: String) -> HTTPReply {
        guard path == "/healthz" || path == "/livez" else { return .text(404, "404 page not found\n") }
        let status = health.status()
        let checksNode = path == "/healthz"
        let healthy = status.healthy && (!checksNode || status.nodeEligible)
        let code = healthy ? 200 : 503
        metrics.healthRequest(path: path, code: code)
        let updated = status.lastUpdated.map(Self.timestamp) ?? "0001-01-01T00:00:00Z"
        var fields = [
            #""lastUpdated": "\#(updated)""#,
            #""currentTime": "\#(Self.timestamp(status.currentTime))""#,
        ]
        if checksNode { fields.append(#""nodeEligible": \#(status.nodeEligible)"#) }
        fields.append(#""healthy": \#(healthy)"#)
        fields.append(#""status": {"\#(family)": {"lastUpdated": "\#(updated)", "healthy": \#(status.healthy)}}"#)
        return .json(code, "{" + fields.joined(separator: ", ") + "}")
    }

    /// RFC 3339 with fractional seconds, in UTC, as Go writes a time.
    static func timestamp(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.string(from: date)
    }
}
