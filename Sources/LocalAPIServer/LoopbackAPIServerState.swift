import Foundation
import NIOCore
import NIOHTTP1

/// What the loopback API server holds: the collections, their event history, the open
/// watches and the faults to inject. Guarded by the server's mutex; writes to channels
/// are queued on their event loops, so they keep the order they were made in.
struct State: Sendable {
    /// One collection: its objects and its history of events.
    struct Collection: Sendable {
        var kind: String
        var apiVersion: String
        var objects: [String: (object: ServedObject, version: Int)] = [:]
        var events: [(version: Int, line: String, object: ServedObject?)] = []
    }

    /// One open watch.
    struct Watcher: Sendable {
        var channel: any Channel
        var path: String
        var selector: Selector
        var bookmarks: Bool
    }

    var version = 100
    /// Events at or before this version are forgotten.
    var compactedThrough = 0
    /// The collections served: each kind, its API version and its path.
    static let served: [(kind: String, apiVersion: String, path: String)] = [
        ("Service", "v1", "/api/v1/services"),
        ("EndpointSlice", "discovery.k8s.io/v1", "/apis/discovery.k8s.io/v1/endpointslices"),
        ("Node", "v1", "/api/v1/nodes"),
        ("ServiceCIDR", "networking.k8s.io/v1", "/apis/networking.k8s.io/v1/servicecidrs"),
        ("Ingress", "networking.k8s.io/v1", "/apis/networking.k8s.io/v1/ingresses"),
        ("IngressClass", "networking.k8s.io/v1", "/apis/networking.k8s.io/v1/ingressclasses"),
        ("Secret", "v1", "/api/v1/secrets"),
    ]
    var collections = Dictionary(uniqueKeysWithValues: served.map { ($0.path, Collection(kind: $0.kind, apiVersion: $0.apiVersion)) })
    var watchers: [ObjectIdentifier: Watcher] = [:]
    var faults: [String: [Fault]] = [:]
    var requests: [RecordedRequest] = []
    var splitEvents = false
    var watchesToClose = 0

    static func path(of kind: String) -> String {
        served.first { $0.kind == kind }?.path ?? "/api/v1/nodes"
    }

    mutating func apply(_ object: ServedObject) -> Int {
        let path = Self.path(of: object.kind)
        version += 1
        let type = collections[path]?.objects[object.key] == nil ? "ADDED" : "MODIFIED"
        collections[path]?.objects[object.key] = (object, version)
        record(path, type: type, object: object)
        return version
    }

    mutating func delete(_ object: ServedObject) {
        let path = Self.path(of: object.kind)
        guard let stored = collections[path]?.objects.removeValue(forKey: object.key) else { return }
        version += 1
        record(path, type: "DELETED", object: stored.object)
    }

    /// Events kept per collection, as etcd keeps a window of history: a watch from before
    /// the oldest is answered with 410.
    static let historyLimit = 10_000

    private mutating func record(_ path: String, type: String, object: ServedObject) {
        let line = #"{"type":"\#(type)","object":\#(object.json(resourceVersion: version, withType: true).text)}"#
        collections[path]?.events.append((version, line, object))
        if let count = collections[path]?.events.count, count > Self.historyLimit * 2 {
            let dropped = collections[path]!.events[count - Self.historyLimit - 1].version
            collections[path]?.events.removeFirst(count - Self.historyLimit)
            compactedThrough = max(compactedThrough, dropped)
        }
        for watcher in watchers.values where watcher.path == path && watcher.selector.matches(object) {
            send(line, to: watcher.channel)
        }
    }

    mutating func expireHistory() {
        compactedThrough = version
        for path in collections.keys { collections[path]?.events = [] }
        for (id, watcher) in watchers {
            send(Self.expiredLine(version), to: watcher.channel)
            watcher.channel.writeAndFlush(HTTPServerResponsePart.end(nil), promise: nil)
            watchers[id] = nil
        }
    }

    mutating func closeWatches() {
        for watcher in watchers.values { watcher.channel.writeAndFlush(HTTPServerResponsePart.end(nil), promise: nil) }
        watchers = [:]
    }

    func sendBookmarks() {
        for watcher in watchers.values where watcher.bookmarks {
            let kind = collections[watcher.path]?.kind ?? ""
            let apiVersion = collections[watcher.path]?.apiVersion ?? ""
            send(#"{"type":"BOOKMARK","object":{"kind":"\#(kind)","apiVersion":"\#(apiVersion)","metadata":{"resourceVersion":"\#(version)","annotations":{"k8s.io/initial-events-end":"true"}}}}"#,
                 to: watcher.channel)
        }
    }

    static func expiredLine(_ version: Int) -> String {
        #"{"type":"ERROR","object":{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"too old resource version: 1 (\#(version))","reason":"Expired","code":410}}"#
    }

    /// Writes one event line as a body chunk (or three, when events are split).
    func send(_ line: String, to channel: any Channel) {
        let bytes = Array((line + "\n").utf8)
        guard splitEvents, bytes.count > 3 else {
            channel.writeAndFlush(HTTPServerResponsePart.body(.byteBuffer(ByteBuffer(bytes: bytes))), promise: nil)
            return
        }
        let third = bytes.count / 3
        for part in [bytes[..<third], bytes[third..<(2 * third)], bytes[(2 * third)...]] {
            channel.writeAndFlush(HTTPServerResponsePart.body(.byteBuffer(ByteBuffer(bytes: part))), promise: nil)
        }
    }

    /// The List body of a collection.
    func list(_ path: String, selector: Selector) -> String {
        let collection = collections[path]!
        let items = collection.objects.keys.sorted().compactMap { key -> String? in
            let stored = collection.objects[key]!
            guard selector.matches(stored.object) else { return nil }
            return stored.object.json(resourceVersion: stored.version, withType: false).text
        }
        return #"{"kind":"\#(collection.kind)List","apiVersion":"\#(collection.apiVersion)","metadata":{"resourceVersion":"\#(version)"},"items":[\#(items.joined(separator: ","))]}"#
    }
}

/// Label and field selectors as the API server reads them (the forms a proxy sends:
/// `!key`, `key`, `key=value`, `key!=value`).
struct Selector: Sendable {
    var labels: [String]
    var fields: [String]

    init(labels: String?, fields: String?) {
        self.labels = labels.map { $0.split(separator: ",").map(String.init) } ?? []
        self.fields = fields.map { $0.split(separator: ",").map(String.init) } ?? []
    }

    func matches(_ object: ServedObject) -> Bool {
        labels.allSatisfy { Self.holds($0, in: object.labels) } && fields.allSatisfy { Self.holds($0, in: object.fields) }
    }

    private static func holds(_ requirement: String, in values: [String: String]) -> Bool {
        if requirement.hasPrefix("!") { return values[String(requirement.dropFirst())] == nil }
        if let range = requirement.range(of: "!=") {
            return values[String(requirement[..<range.lowerBound])] != String(requirement[range.upperBound...])
        }
        if let range = requirement.range(of: "==") ?? requirement.range(of: "=") {
            return values[String(requirement[..<range.lowerBound])] == String(requirement[range.upperBound...])
        }
        return values[requirement] != nil
    }
}
