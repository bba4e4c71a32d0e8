import Foundation
import ProxyCore
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// A UDP client that keeps one socket (one source port, so one tracked connection) and
/// sends a datagram every `interval`, recording who answered and when, as a DNS client
/// reusing its socket does. Runs on its own thread inside a namespace until stopped.
public final class DatagramPinger: Sendable {
    public struct Reply: Sendable {
        public var at: ContinuousClock.Instant
        /// The answering server's name (``NameServer``).
        public var name: String
    }

    private let replies = Mutex<[Reply]>([])
    private let stopping = Mutex(false)
    private let finished = DispatchSemaphore(value: 0)

    private init() {}

    /// Starts sending to `ip:port` from `namespace`.
    public static func start(to ip: String, port: UInt16, every interval: Duration = .milliseconds(100),
                             in namespace: NetworkNamespace) throws -> DatagramPinger {
        let pinger = DatagramPinger()
        let opened = Mutex<Result<Int32, SocketError>?>(nil)
        let decided = DispatchSemaphore(value: 0)
        let seconds = Double(interval.components.seconds) + Double(interval.components.attoseconds) / 1e18
        try namespace.spawn {
            opened.withLock { $0 = Result { () throws(SocketError) in try Socket.connected(ip, port, udp: true, timeout: seconds) } }
            decided.signal()
            guard case .success(let descriptor) = opened.withLock({ $0 }) else { pinger.finished.signal(); return }
            pinger.send(from: descriptor, to: "\(ip):\(port)/udp", every: interval)
            close(descriptor)
            pinger.finished.signal()
        }
        decided.wait()
        if case .failure(let error) = opened.withLock({ $0 }) { throw error }
        return pinger
    }

    private func send(from descriptor: Int32, to target: String, every interval: Duration) {
        while !stopping.withLock({ $0 }) {
            let sent = ContinuousClock.now
            if Glibc.send(descriptor, "?", 1, 0) == 1, let line = try? Socket.readLine(descriptor, target) {
                replies.withLock { $0.append(Reply(at: .now, name: String(line.split(separator: " ")[0]))) }
            }
            let left = sent + interval - .now
            if left > .zero { Thread.sleep(forTimeInterval: Double(left.components.attoseconds) / 1e18 + Double(left.components.seconds)) }
        }
    }

    /// Every reply so far, oldest first.
    public var received: [Reply] { replies.withLock { $0 } }

    /// Stops sending and waits for the thread to end.
    public func stop() {
        let first = stopping.withLock { stopping in
            defer { stopping = true }
            return !stopping
        }
        if first { finished.wait() }
    }

    deinit { stop() }
}
