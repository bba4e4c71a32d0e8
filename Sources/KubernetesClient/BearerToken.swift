import Foundation
import Synchronization

/// The bearer token of a connection, a token file read again once a minute, as client-go
/// does: a pod's service-account token is rotated by the kubelet.
final class BearerToken: Sendable {
    private struct Cached {
        var value: String?
        var readAt: ContinuousClock.Instant?
    }

    let source: APIConnection.Token
    static let rereadInterval: Duration = .seconds(60)
    private let cached = Mutex(Cached())

    init(_ source: APIConnection.Token) {
        self.source = source
    }

    /// The token to send now.
    func current(now: ContinuousClock.Instant = .now) throws(APIConnectionError) -> String {
        switch source {
        case .value(let token):
            return token
        case .file(let path):
            if let value = cached.withLock({ cached -> String? in
                guard let readAt = cached.readAt, now - readAt < Self.rereadInterval else { return nil }
                return cached.value
            }) {
                return value
            }
            let text = String(decoding: try APIConnection.read(path, what: "the token file"), as: UTF8.self)
                .trimmingCharacters(in: .whitespacesAndNewlines)
            cached.withLock { $0 = Cached(value: text, readAt: now) }
            return text
        }
    }
}
