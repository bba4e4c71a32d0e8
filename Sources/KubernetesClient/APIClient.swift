import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import NIOSSL
import ServiceModel

/// Requests to one API server, over async-http-client with TLS through swift-nio-ssl: the
/// server's certificate checked against the connection's CA, a client certificate when
/// there is one, the bearer token on every request, and client-go's rate limit.
public final class APIClient: Sendable {
    public let connection: APIConnection
    private let http: HTTPClient
    private let limiter: RequestRateLimiter
    private let token: BearerToken?

    public init(connection: APIConnection, qps: Double = 5, burst: Int = 10) throws(APIConnectionError) {
        if let name = connection.tlsServerName {
            throw APIConnectionError("\(connection.source): tls-server-name (\(name)) is not supported; use a server address the certificate names")
        }
        var tls = TLSConfiguration.makeClientConfiguration()
        do {
            switch connection.trust {
            case .systemRoots: break
            case .certificateAuthority(let pem): tls.trustRoots = .certificates(try NIOSSLCertificate.fromPEMBytes(pem))
            case .insecure: tls.certificateVerification = .none
            }
            if let client = connection.clientCertificate {
                tls.certificateChain = try NIOSSLCertificate.fromPEMBytes(client.certificate).map { .certificate($0) }
                tls.privateKey = .privateKey(try NIOSSLPrivateKey(bytes: client.key, format: .pem))
            }
        } catch {
            throw APIConnectionError("\(connection.source): the certificates cannot be read: \(error)")
        }
        // No read timeout: a watch is quiet for minutes; the server ends it (timeoutSeconds).
        let configuration = HTTPClient.Configuration(tlsConfiguration: tls, timeout: .init(connect: .seconds(10)))
        http = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
        self.connection = connection
        limiter = RequestRateLimiter(qps: qps, burst: burst)
        token = connection.token.map(BearerToken.init)
    }

    /// Closes the client's connections.
    public func shutdown() async {
        try? await http.shutdown()
    }

    /// GETs `path` and returns the whole body. Throws an ``APIRequestError``.
    public func get(_ path: String, query: [(String, String)], timeout: Duration = .seconds(60),
                    maximumBytes: Int = 1 << 30) async throws -> [UInt8] {
        let (response, described) = try await send(path, query: query, timeout: timeout)
        do {
            var buffer = try await response.body.collect(upTo: maximumBytes)
            return buffer.readBytes(length: buffer.readableBytes) ?? []
        } catch {
            throw APIRequestError(.transport, request: described, message: "the body broke off: \(error)")
        }
    }

    /// GETs `path` and hands each chunk of the body to `body` as it arrives, until the
    /// server ends it. `timeout` bounds the wait for the response head only. Throws an
    /// ``APIRequestError`` (or what `body` throws).
    public func stream(_ path: String, query: [(String, String)], timeout: Duration = .seconds(60),
                       _ body: (ByteBuffer) async throws -> Void) async throws {
        let (response, described) = try await send(path, query: query, timeout: timeout)
        do {
            for try await chunk in response.body { try await body(chunk) }
        } catch let error as APIRequestError {
            throw error
        } catch is CancellationError {
            throw CancellationError()
        } catch let error as WatchLineTooLong {
            throw APIRequestError(.malformed, request: described, message: "a watch line of \(error.length) bytes has no end")
        } catch let error as ManifestErrors {
            throw APIRequestError(.malformed, request: described, message: error.description)
        } catch {
            throw APIRequestError(.transport, request: described, message: "the stream broke off: \(error)")
        }
    }

    /// Sends a GET and checks its status; a failure status becomes an ``APIRequestError``
    /// with the server's Status message.
    private func send(_ path: String, query: [(String, String)], timeout: Duration) async throws
        -> (HTTPClientResponse, String) {
        let target = path + Self.queryString(query)
        let url = connection.server + target
        let described = "GET " + target
        try await limiter.acquire()
        var request = HTTPClientRequest(url: url)
        request.headers.add(name: "Accept", value: "application/json")
        request.headers.add(name: "User-Agent", value: "kproxy-iptables")
        do {
            if let token { request.headers.add(name: "Authorization", value: "Bearer " + (try token.current())) }
        } catch {
            throw APIRequestError(.transport, request: described, message: error.description)
        }
        let response: HTTPClientResponse
        do {
            response = try await http.execute(request, timeout: .nanoseconds(Int64(timeout.components.seconds) * 1_000_000_000
                                                                             + timeout.components.attoseconds / 1_000_000_000))
        } catch is CancellationError {
            throw CancellationError()
        } catch {
            throw APIRequestError(.transport, request: described, message: "\(error)")
        }
        guard response.status.code >= 300 else { return (response, described) }
        var body = (try? await response.body.collect(upTo: 1 << 20)) ?? ByteBuffer()
        let status = APIStatus.decode(body: body.readBytes(length: body.readableBytes) ?? [])
        let code = Int(response.status.code)
        let retryAfter = response.headers.first(name: "Retry-After").flatMap { Int($0) }
        let message = status?.message ?? response.status.reasonPhrase
        let expired = code == 410 || status?.isExpired == true
        throw APIRequestError(expired ? .expired : .status, request: described, statusCode: code, retryAfter: retryAfter,
                              message: message)
    }

    /// `?a=b&c=d`, each part percent-encoded (selectors hold `!`, `=` and `/`).
    static func queryString(_ query: [(String, String)]) -> String {
        guard !query.isEmpty else { return "" }
        return "?" + query.map { encode($0.0) + "=" + encode($0.1) }.joined(separator: "&")
    }

    private static let unreserved = CharacterSet(charactersIn: "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~")

    private static func encode(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: unreserved) ?? text
    }
}
