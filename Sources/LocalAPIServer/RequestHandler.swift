import Foundation
import NIOCore
import NIOHTTP1
import Synchronization

/// Answers one connection's requests for the loopback API server.
final class RequestHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private let state: SharedState
    private let token: String?
    private var head: HTTPRequestHead?

    init(state: SharedState, token: String?) {
        self.state = state
        self.token = token
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head): self.head = head
        case .body: break
        case .end:
            if let head { answer(head, channel: context.channel) }
            head = nil
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        let id = ObjectIdentifier(context.channel)
        state.mutex.withLock { _ = $0.watchers.removeValue(forKey: id) }
        context.fireChannelInactive()
    }

    private func answer(_ head: HTTPRequestHead, channel: any Channel) {
        let components = URLComponents(string: head.uri)
        let path = components?.path ?? head.uri
        var query: [String: String] = [:]
        for item in components?.queryItems ?? [] { query[item.name] = item.value ?? "" }
        let request = RecordedRequest(path: path, query: query)
        if let token, head.headers.first(name: "Authorization") != "Bearer \(token)" {
            return respond(channel, status: 401, body: Self.status(401, "Unauthorized", "Unauthorized"))
        }
        state.mutex.withLock { state in
            state.requests.append(request)
            guard state.collections[path] != nil else {
                return respond(channel, status: 404, body: Self.status(404, "NotFound", "the server could not find the requested resource"))
            }
            if var faults = state.faults[path], !faults.isEmpty {
                let fault = faults.removeFirst()
                state.faults[path] = faults
                return respond(channel, status: fault.status, retryAfter: fault.retryAfter,
                               body: Self.status(fault.status, fault.status == 429 ? "TooManyRequests" : "InternalError", "injected fault"))
            }
            let selector = Selector(labels: query["labelSelector"], fields: query["fieldSelector"])
            guard request.isWatch else {
                return respond(channel, status: 200, body: state.list(path, selector: selector))
            }
            startWatch(&state, path: path, query: query, selector: selector, channel: channel)
        }
    }

    private func startWatch(_ state: inout State, path: String, query: [String: String], selector: Selector, channel: any Channel) {
        var headers = HTTPHeaders([("Content-Type", "application/json"), ("Transfer-Encoding", "chunked")])
        headers.add(name: "Cache-Control", value: "no-cache, private")
        channel.writeAndFlush(HTTPServerResponsePart.head(HTTPResponseHead(version: .http1_1, status: .ok, headers: headers)), promise: nil)
        if state.watchesToClose > 0 {
            state.watchesToClose -= 1
            channel.writeAndFlush(HTTPServerResponsePart.end(nil), promise: nil)
            return
        }
        let from = Int(query["resourceVersion"] ?? "") ?? state.version
        if from < state.compactedThrough {
            state.send(State.expiredLine(state.version), to: channel)
            channel.writeAndFlush(HTTPServerResponsePart.end(nil), promise: nil)
            return
        }
        for event in state.collections[path]?.events ?? [] where event.version > from {
            if let object = event.object, !selector.matches(object) { continue }
            state.send(event.line, to: channel)
        }
        state.watchers[ObjectIdentifier(channel)] = State.Watcher(channel: channel, path: path, selector: selector,
                                                                 bookmarks: query["allowWatchBookmarks"] == "true")
    }

    private func respond(_ channel: any Channel, status: Int, retryAfter: Int? = nil, body: String) {
        let bytes = Array(body.utf8)
        var headers = HTTPHeaders([("Content-Type", "application/json"), ("Content-Length", String(bytes.count))])
        if let retryAfter { headers.add(name: "Retry-After", value: String(retryAfter)) }
        channel.write(HTTPServerResponsePart.head(HTTPResponseHead(version: .http1_1, status: .init(statusCode: status), headers: headers)),
                      promise: nil)
        channel.write(HTTPServerResponsePart.body(.byteBuffer(ByteBuffer(bytes: bytes))), promise: nil)
        channel.writeAndFlush(HTTPServerResponsePart.end(nil), promise: nil)
    }

    static func status(_ code: Int, _ reason: String, _ message: String) -> String {
        #"{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"\#(message)","reason":"\#(reason)","code":\#(code)}"#
    }
}
