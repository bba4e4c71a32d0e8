import NIOCore

/// What one event loop keeps for the requests it serves, as an nginx worker keeps its
/// own: the balancer's turns and failures, and the idle keep-alive connections to
/// endpoints. Touched only on its loop, so it takes no lock.
final class LoopState {
    let eventLoop: any EventLoop
    let limits: IngressProxyLimits
    /// The route table this loop routes new requests by; each loop gets a new one in turn
    /// (``IngressProxyServer/update(_:)``), read without a lock.
    var table: IngressRouteTable
    var balancer = UpstreamBalancer()
    /// The metric series this loop has counted into, found without the registry's lock.
    var metricSeries: [IngressMetrics.SeriesKey: IngressMetrics.Series] = [:]
    /// The series the last request counted into.
    var lastMetricSeries: (key: IngressMetrics.SeriesKey, series: IngressMetrics.Series)?
    /// Read through the dictionary's getter and changed in place: changing an array
    /// inside a dictionary goes through accessors that allocate on every request.
    private var idle: [UpstreamAddress: IdleConnections] = [:]

    /// The idle connections to one endpoint, the most recently used last.
    private final class IdleConnections {
        var connections: [UpstreamHandler] = []
    }
    /// The open client connections of the proxy's listeners, for a shutdown to wait on.
    private var clients: [ObjectIdentifier: any Channel] = [:]
    /// Those of them not serving HTTP yet: a TLS handshake under way.
    private var handshaking: Set<ObjectIdentifier> = []
    /// Set once a shutdown began: a connection accepted just before the listener closed ends
    /// after its first response.
    private(set) var quiescing = false

    init(eventLoop: any EventLoop, limits: IngressProxyLimits, table: IngressRouteTable) {
        self.eventLoop = eventLoop
        self.limits = limits
        self.table = table
    }

    /// An idle connection to `address` that is still open, the most recently used first.
    func takeIdle(_ address: UpstreamAddress) -> UpstreamHandler? {
        guard let pool = idle[address] else { return nil }
        while let connection = pool.connections.popLast() {
            if connection.isActive {
                connection.isIdle = false
                return connection
            }
        }
        return nil
    }

    /// Keeps `connection` for the next request to its endpoint, or closes it when enough are kept.
    func giveBack(_ connection: UpstreamHandler) {
        let pool = idle[connection.address] ?? {
            let pool = IdleConnections()
            idle[connection.address] = pool
            return pool
        }()
        guard connection.isActive, pool.connections.count < limits.idleConnectionsPerEndpoint else {
            connection.close()
            return
        }
        connection.isIdle = true
        pool.connections.append(connection)
    }

    /// Forgets an idle connection that closed.
    func remove(_ connection: UpstreamHandler) {
        idle[connection.address]?.connections.removeAll { $0 === connection }
    }

    /// Counts `channel` among the open client connections until it closes; `handshaking`:
    /// it serves HTTP only after a TLS handshake (``serving(_:)``).
    func track(_ channel: any Channel, handshaking: Bool = false) {
        let key = ObjectIdentifier(channel)
        clients[key] = channel
        if handshaking { self.handshaking.insert(key) }
        channel.closeFuture.assumeIsolated().whenComplete { _ in
            self.clients[key] = nil
            self.handshaking.remove(key)
        }
    }

    /// `channel`'s handshake is done and its HTTP handlers are in place.
    func serving(_ channel: any Channel) {
        handshaking.remove(ObjectIdentifier(channel))
    }

    /// Asks every client connection to end once the requests it carries are answered: an
    /// HTTP/1.1 connection closes after the response in flight (at once when idle), an
    /// HTTP/2 connection sends GOAWAY and closes when its streams are done, and one still
    /// in its TLS handshake (no request yet) closes at once.
    func quiesce() {
        quiescing = true
        for (key, channel) in clients {
            if handshaking.contains(key) {
                channel.close(promise: nil)
            } else {
                channel.pipeline.fireUserInboundEventTriggered(ChannelShouldQuiesceEvent())
            }
        }
    }

    /// How many client connections are open.
    var clientCount: Int { clients.count }

    /// How many idle connections are kept, over all endpoints.
    var idleCount: Int { idle.values.reduce(0) { $0 + $1.connections.count } }
}
