import Logging
import NIOCore
import NIOHTTP1

/// One line per request, in the order of ingress-nginx's default `upstreaminfo` format:
/// client, request line, status, body bytes sent, referer, user agent, request length,
/// request time, upstream name, upstream address and status.
struct AccessLog: Sendable {
    var logger: Logger
    var enabled: Bool

    func record(_ entry: RequestRecord) {
        guard enabled else { return }
        logger.info("\(Self.line(entry))")
    }

    static func line(_ entry: RequestRecord) -> Logger.Message {
        let head = entry.head
        let referer = head.headers.first(name: "referer") ?? "-"
        let agent = head.headers.first(name: "user-agent") ?? "-"
        let seconds = String(Double(Int((entry.seconds * 1000).rounded())) / 1000)
        let upstream = entry.upstream?.description ?? entry.route?.backend.description ?? ""
        return """
            \(entry.client) "\(head.method.rawValue) \(head.uri) HTTP/\(head.version.major).\(head.version.minor)" \
            \(entry.status.code) \(entry.bodyBytesSent) "\(referer)" "\(agent)" \(entry.requestBytes) \(seconds) \
            [\(upstream)] \(entry.upstreamAddress?.description ?? "-") \(entry.upstreamStatus.map { String($0.code) } ?? "-")
            """
    }
}
