import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL
import Synchronization

/// A Kubernetes API server on loopback, from objects held in memory, speaking the real
/// wire format for the collections a proxy follows (Services, EndpointSlices, Nodes,
/// ServiceCIDRs unless told to answer 404 for them as clusters before 1.33 do; Ingresses,
/// IngressClasses and Secrets for the Ingress proxy): List JSON (items without
/// `kind`/`apiVersion`, a collection `resourceVersion`), chunked watch streams of
/// `{"type","object"}` lines from a resource version, bookmarks, `ERROR` events and `410`
/// replies for versions it no longer holds, `Status` bodies, label and field selectors,
/// TLS from a CA it makes for the run, and a bearer token. The tests and the agent
/// benchmark run an agent against it.
///
/// Callers change objects (``apply(_:)``, ``delete(_:)``) and inject what real servers do:
/// compaction (``expireHistory()``), closed watches, throttling (``failNext(_:status:retryAfter:)``),
/// events split across writes.
public final class LoopbackAPIServer: Sendable {
    public let port: Int
    public let certificates: LoopbackCertificates?
    public let token: String?
    let state: SharedState
    private let channel: any Channel

    /// `https://127.0.0.1:<port>` (or `http://` without TLS).
    public var url: String { "\(certificates == nil ? "http" : "https")://127.0.0.1:\(port)" }

    /// Starts a server on an ephemeral loopback port, or on `boundSocket`, a listening
    /// socket made elsewhere (in a network namespace where the agent being measured or tested runs).
    /// Without `servesServiceCIDRs` their collection is unknown to it (404), as on clusters
    /// older than Kubernetes 1.33.
    public static func start(tls: Bool = true, token: String? = "kproxy-test-token", boundSocket: CInt? = nil,
                             servesServiceCIDRs: Bool = true) async throws -> LoopbackAPIServer {
        let certificates = tls ? try LoopbackCertificates() : nil
        var context: NIOSSLContext?
        if let certificates {
            let configuration = TLSConfiguration.makeServerConfiguration(
                certificateChain: try NIOSSLCertificate.fromPEMBytes(Array(certificates.serverCertificatePEM.utf8)).map { .certificate($0) },
                privateKey: .privateKey(try NIOSSLPrivateKey(bytes: Array(certificates.serverKeyPEM.utf8), format: .pem)))
            context = try NIOSSLContext(configuration: configuration)
        }
        let state = SharedState()
        if !servesServiceCIDRs {
            state.mutex.withLock { _ = $0.collections.removeValue(forKey: State.path(of: "ServiceCIDR")) }
        }
        let sslContext = context
        let bootstrap = ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    if let sslContext { try channel.pipeline.syncOperations.addHandler(NIOSSLServerHandler(context: sslContext)) }
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline()
                    try channel.pipeline.syncOperations.addHandler(RequestHandler(state: state, token: token))
                }
            }
        let channel = try await (boundSocket.map { bootstrap.withBoundSocket($0) }
                                 ?? bootstrap.bind(host: "127.0.0.1", port: 0)).get()
        return LoopbackAPIServer(port: channel.localAddress?.port ?? 0, certificates: certificates, token: token, state: state, channel: channel)
    }

    private init(port: Int, certificates: LoopbackCertificates?, token: String?, state: SharedState, channel: any Channel) {
        self.port = port
        self.certificates = certificates
        self.token = token
        self.state = state
        self.channel = channel
    }

    /// A kubeconfig that reaches this server from where it listens: its address, its CA
    /// and its token.
    public var kubeconfig: String {
        let authority = certificates.map { ", certificate-authority-data: " + Data($0.authorityPEM.utf8).base64EncodedString() } ?? ""
        return """
            apiVersion: v1
            kind: Config
            current-context: loopback
            clusters: [{name: loopback, cluster: {server: "\(url)"\(authority)}}]
            users: [{name: agent, user: {\(token.map { "token: \($0)" } ?? "")}}]
            contexts: [{name: loopback, context: {cluster: loopback, user: agent}}]
            """
    }

    /// A TCP socket listening on 127.0.0.1 at a free port, made in the calling thread's
    /// network namespace: started on it (``start(tls:token:boundSocket:)``), the server
    /// answers in that namespace, whatever namespace the rest of the process is in.
    public static func loopbackListeningSocket() throws -> CInt {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { throw IOError(errnoCode: errno, reason: "socket") }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, listen(descriptor, 128) == 0 else {
            let code = errno
            close(descriptor)
            throw IOError(errnoCode: code, reason: "listen on 127.0.0.1")
        }
        return descriptor
    }

    /// Closes the listener and every open watch.
    public func stop() async {
        closeWatches()
        try? await channel.close()
    }

    /// Adds or replaces an object; watchers get ADDED or MODIFIED. Returns its new version.
    @discardableResult
    public func apply(_ object: ServedObject) -> Int {
        state.mutex.withLock { $0.apply(object) }
    }

    /// Removes an object; watchers get DELETED.
    public func delete(_ object: ServedObject) {
        state.mutex.withLock { $0.delete(object) }
    }

    /// Forgets every event so far, as etcd compaction does: open watches get an ERROR 410
    /// event and end, and a watch from an older version is answered the same way.
    public func expireHistory() {
        state.mutex.withLock { $0.expireHistory() }
    }

    /// Ends every open watch cleanly (as the server does when `timeoutSeconds` runs out).
    public func closeWatches() {
        state.mutex.withLock { $0.closeWatches() }
    }

    /// Sends a BOOKMARK at the current version to every watch that asked for bookmarks.
    public func sendBookmarks() {
        state.mutex.withLock { $0.sendBookmarks() }
    }

    /// Answers the next `count` requests for `path` with `status` (a Status body), and
    /// `Retry-After` when given.
    public func failNext(_ path: String, status: Int, retryAfter: Int? = nil, count: Int = 1) {
        state.mutex.withLock { $0.faults[path, default: []] += Array(repeating: Fault(status: status, retryAfter: retryAfter), count: count) }
    }

    /// Ends the next `count` watches at once, before any event (a server going away).
    public func closeNextWatches(_ count: Int) {
        state.mutex.withLock { $0.watchesToClose += count }
    }

    /// Writes each later event in three pieces, flushed apart, so a line spans reads.
    public func splitEvents(_ split: Bool) {
        state.mutex.withLock { $0.splitEvents = split }
    }

    /// Every request so far.
    public var requests: [RecordedRequest] { state.mutex.withLock { $0.requests } }

    /// The number of watches open now.
    public var openWatches: Int { state.mutex.withLock { $0.watchers.count } }

    /// The current resource version.
    public var resourceVersion: Int { state.mutex.withLock { $0.version } }
}

/// One request the server received.
public struct RecordedRequest: Sendable {
    public var path: String
    public var query: [String: String]
    /// When it arrived.
    public var time: ContinuousClock.Instant = .now
    public var isWatch: Bool { query["watch"] == "true" }
}

struct Fault: Sendable {
    var status: Int
    var retryAfter: Int?
}

/// The server's state, shared by its connections.
final class SharedState: Sendable {
    let mutex = Mutex(State())
}
