import Logging
import NIOCore
import ServiceModel

/// client-go's reflector for one collection: list it, then watch from the list's version,
/// and hand on every change.
///
/// - The first list asks for `resourceVersion=0` (the server's cache); a list after the
///   version expired asks for the latest, page by page. Every page is read before
///   anything is handed on: nothing comes from a half-read list.
/// - A watch asks for bookmarks and a `timeoutSeconds` drawn from [300, 600). BOOKMARK only
///   moves the version on. ERROR 410 (or a 410 reply) lists again, and the difference from
///   what was known is handed on as changes.
/// - Connection failures, 5xx and 429 wait 0.8 s doubling to 30 s (longer when the server
///   says `Retry-After`), then try again. A watch that ends within a second without an event
///   counts as a failure; one that ran its time is simply started again.
/// - A collection the cluster may not serve (``APIResource/mayBeUnserved``) that is
///   answered 404 is handed on as an empty list and looked for again every
///   ``unservedRecheck``.
/// - An object that validation rejects is logged with its name and field, counted, and
///   left out (taken out, if it was in).
public struct Reflector: Sendable {
    /// What one list or watch event changed.
    public struct Update: Sendable {
        public var changes: [WatchEvent.Change]
        /// The result of a (re)list: the whole collection as now known.
        public var isList: Bool
    }

    public let client: APIClient
    public let resource: APIResource
    public var logger: Logger
    /// Called for each object left out by validation.
    public var onRejected: @Sendable (ManifestError) -> Void = { _ in }
    /// Called when a watch is started again, with why (`expired`, `closed`, `error`).
    public var onRestart: @Sendable (String) -> Void = { _ in }
    /// How long a list request may take to answer.
    public var listTimeout: Duration = .seconds(60)
    /// How long a collection the server does not serve is left before it is asked again.
    public var unservedRecheck: Duration = .seconds(300)

    public init(client: APIClient, resource: APIResource, logger: Logger) {
        self.client = client
        self.resource = resource
        self.logger = logger
    }

    /// Lists and watches until the task is cancelled, calling `deliver` with each update.
    public func run(deliver: @Sendable (Update) async -> Void) async throws {
        var state = State()
        var backoff = RetryBackoff()
        while !Task.isCancelled {
            do {
                if state.needsList {
                    let changes = try await list(&state)
                    await deliver(Update(changes: changes, isList: true))
                    backoff.success()
                }
                let outcome = try await watch(&state, deliver: deliver)
                switch outcome {
                case .ranItsTime:
                    backoff.success()
                    onRestart("closed")
                case .endedEarly:
                    let wait = backoff.failure()
                    logger.warning("watch of \(resource) ended at once without events; again in \(wait)")
                    onRestart("closed-early")
                    try await Task.sleep(for: wait)
                }
            } catch let error as APIRequestError where resource.mayBeUnserved && error.statusCode == 404 {
                if state.served {
                    logger.info("\(resource) is not served by this cluster; taken as empty, asked again every \(unservedRecheck)")
                    state.served = false
                    await deliver(Update(changes: state.forgetAll(kind: resource.kind), isList: true))
                }
                state.needsList = true
                state.resourceVersion = ""
                try await Task.sleep(for: unservedRecheck)
            } catch let error as APIRequestError where error.kind == .expired {
                logger.info("\(resource): resource version \(state.resourceVersion) expired; listing again")
                state.resourceVersion = ""
                state.needsList = true
                onRestart("expired")
            } catch let error as APIRequestError {
                let wait = backoff.failure(retryAfter: error.retryAfter)
                logger.warning("\(error); again in \(wait)")
                onRestart(error.isThrottled ? "throttled" : "error")
                try await Task.sleep(for: wait)
            }
        }
        throw CancellationError()
    }

    /// What a reflector knows between requests.
    struct State {
        var resourceVersion = ""
        var needsList = true
        /// Whether the first list is still to come (it asks for the server's cache).
        var first = true
        /// Each object's resource version, to tell what a relist changed.
        var known: [NamespacedName: String] = [:]
        /// Whether the server serves the collection, as last seen.
        var served = true

        /// Removals of every object known, which is then nothing.
        mutating func forgetAll(kind: String) -> [WatchEvent.Change] {
            defer { known = [:] }
            return known.keys.sorted().map { .removed(kind: kind, $0) }
        }
    }

    /// Lists every page; returns the changes against what was known.
    private func list(_ state: inout State) async throws -> [WatchEvent.Change] {
        var objects: [KubernetesObject] = []
        var version = ""
        var continueToken: String?
        repeat {
            var query = resource.selectorQuery
            if state.first {
                query.append(("resourceVersion", "0"))
            } else {
                query.append(("limit", "500"))
            }
            if let continueToken { query.append(("continue", continueToken)) }
            let body = try await client.get(resource.path, query: query, timeout: listTimeout)
            let page: APIList
            do {
                page = try APIList.decode(body, kind: resource.kind, source: resource.path)
            } catch {
                throw APIRequestError(.malformed, request: "GET \(resource.path)", message: error.description)
            }
            for problem in page.rejected { reject(problem) }
            objects += page.objects
            version = page.resourceVersion
            continueToken = page.continueToken
        } while continueToken != nil
        state.first = false
        state.needsList = false
        state.served = true
        state.resourceVersion = version
        var changes: [WatchEvent.Change] = []
        var listed: [NamespacedName: String] = [:]
        listed.reserveCapacity(objects.count)
        for object in objects {
            let name = object.metadata.namespacedName
            let objectVersion = object.metadata.resourceVersion ?? ""
            listed[name] = objectVersion
            if state.known[name] != objectVersion || objectVersion.isEmpty { changes.append(.set(object)) }
        }
        for name in state.known.keys where listed[name] == nil {
            changes.append(.removed(kind: resource.kind, name))
        }
        state.known = listed
        logger.info("listed \(objects.count) \(resource.kind) objects at version \(version)")
        return changes
    }

    enum WatchOutcome {
        case ranItsTime
        case endedEarly
    }

    /// One watch request, from the state's version, until the server ends it.
    private func watch(_ state: inout State, deliver: @Sendable (Update) async -> Void) async throws -> WatchOutcome {
        let query = resource.selectorQuery + [
            ("watch", "true"), ("resourceVersion", state.resourceVersion), ("allowWatchBookmarks", "true"),
            ("timeoutSeconds", String(Int.random(in: 300..<600))),
        ]
        let started = ContinuousClock.now
        var events = 0
        var splitter = WatchLineSplitter()
        var current = state
        defer { state = current }
        try await client.stream(resource.path, query: query) { chunk in
            for line in try splitter.lines(chunk.readableBytesView) {
                events += 1
                if let update = try handle(line, &current) { await deliver(update) }
            }
        }
        return events == 0 && ContinuousClock.now - started < .seconds(1) ? .endedEarly : .ranItsTime
    }

    /// Applies one watch line to the state; returns the change to hand on, if any.
    private func handle(_ line: [UInt8], _ state: inout State) throws -> Update? {
        let event = try WatchEvent.decode(line: line, kind: resource.kind, source: resource.path)
        if event.type == .error {
            let status = event.status ?? APIStatus(code: 500)
            throw APIRequestError(status.isExpired ? .expired : .status, request: "watch \(resource.path)",
                                  statusCode: status.code, message: status.message)
        }
        if let version = event.resourceVersion, !version.isEmpty { state.resourceVersion = version }
        for problem in event.rejected { reject(problem) }
        guard let change = event.change else { return nil }
        switch change {
        case .set(let object): state.known[object.metadata.namespacedName] = object.metadata.resourceVersion ?? ""
        case .removed(_, let name): state.known[name] = nil
        }
        return Update(changes: [change], isList: false)
    }

    private func reject(_ problem: ManifestError) {
        logger.error("left out: \(problem)")
        onRejected(problem)
    }
}
