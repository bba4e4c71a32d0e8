import ArgumentParser
import Foundation
import IngressProxy
import KubernetesClient
import Logging
import ServiceModel
import UnixSignals

/// `kproxy-iptables ingress`: the Ingress proxy, serving by manifests on disk.
struct IngressCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ingress",
        abstract: "Serve HTTP and HTTPS by the Ingresses of a class: the Ingress proxy.",
        discussion: """
            Reads Ingresses, IngressClasses, Services, EndpointSlices (or legacy Endpoints) and \
            Secrets from the manifests given with -f, or without -f follows them on the API \
            server (--kubeconfig, --context, --master, else in-cluster; TLS Secrets only), and \
            proxies HTTP by them, as an ingress controller does: \
            each request is matched with Kubernetes' precedence rules (exact host, then \
            wildcard, then no host; the longest path; Exact before Prefix; the older Ingress on \
            a tie; the oldest default backend when nothing matches) and sent to one of its \
            Service port's ready endpoints (serving terminating ones when none is ready), taken \
            in turn; an endpoint that refuses or times out is passed over for 10 seconds and \
            the request tried on the next. Connections to endpoints are kept alive and reused.

            With --https-port, TLS is terminated there: the certificate is the one of the \
            Ingress `tls` entry whose host matches the name the client asks for (SNI; exact \
            host, then wildcard; the oldest Ingress's Secret when several name a host), else \
            --default-ssl-certificate, else a self-signed one made at start. Clients that \
            offer HTTP/2 (ALPN) get it; endpoints are spoken to in HTTP/1.1.

            Requests carry X-Forwarded-For, X-Real-IP, X-Forwarded-Proto, -Host and -Port as \
            ingress-nginx sets them; hop-by-hop headers are dropped; bodies stream both ways. \
            The proxy answers 404 when nothing matches, 503 when the backend has no endpoint, \
            502 when every endpoint refused, 504 when one did not answer in time, 413 for a \
            body over --max-body-size, 400 for a malformed request. One log line per request \
            goes to standard error. /metrics on --metrics-port counts requests under \
            ingress-nginx's names (nginx_ingress_controller_requests, \
            ..._request_duration_seconds, ..._request_size, ..._response_size) by Ingress, \
            Service, status, method and the rule's host and path, with ingress-nginx's \
            controller_class, controller_namespace and controller_pod labels (the latter two \
            from POD_NAMESPACE and POD_NAME).

            The files are checked every second (API objects are watched); when they change, \
            the new route table replaces the old one whole (requests in flight finish by the \
            old one). Input that has become invalid is reported and the table in force kept.

            SIGTERM or SIGINT shut it down as ingress-nginx does: the listeners close, idle \
            connections close, requests in flight are answered (with Connection: close; HTTP/2 \
            clients get GOAWAY), and what is still busy after --worker-shutdown-timeout is cut.
            """ + HelpSections.text(
                examples: [
                    "kproxy-iptables ingress -f k8s/ --http-port 8080",
                    "kproxy-iptables ingress -f k8s/ --ingress-class nginx --max-body-size 8m",
                    "kproxy-iptables ingress -f k8s/ --https-port 8443 --default-ssl-certificate ingress/default-tls",
                    "kproxy-iptables ingress --kubeconfig ~/.kube/config --http-port 8080 --https-port 8443",
                ],
                statuses: [
                    .success("stopped by SIGTERM or SIGINT"),
                    .runtimeFailure("the listener could not be bound (the reason is on standard error)"),
                    .invalidInput,
                ])
    )

    @Option(name: [.customShort("f"), .customLong("filename")],
            help: ArgumentHelp("A manifest file or directory (YAML or JSON); repeat for more (default: follow the API server).",
                               valueName: "file-or-dir"))
    var files: [String] = []

    @OptionGroup var api: APIServerOptions

    @Option(help: ArgumentHelp("The IngressClass to serve (default: the class marked default, else every Ingress).",
                               valueName: "name"))
    var ingressClass: String?

    @Option(help: ArgumentHelp("The address to listen on.", valueName: "ip"))
    var address = "0.0.0.0"

    @Option(help: ArgumentHelp("The HTTP port.", valueName: "port"))
    var httpPort = 80

    @Option(help: ArgumentHelp("The HTTPS port (default: no HTTPS).", valueName: "port"))
    var httpsPort: Int?

    @Option(help: ArgumentHelp("The port of /metrics (ingress-nginx's metric names) and /healthz.", valueName: "port"))
    var metricsPort = 10254

    @Option(help: ArgumentHelp("The TLS Secret for names no Ingress tls entry covers (default: a self-signed certificate).",
                               valueName: "namespace/name"))
    var defaultSSLCertificate: String?

    @Option(help: ArgumentHelp("Event loops (default: one per core).", valueName: "count"))
    var threads: Int?

    @Option(help: ArgumentHelp("The largest request body (ingress-nginx's proxy-body-size: 1m; 0 for no limit).",
                               valueName: "size"))
    var maxBodySize = ByteSize(argument: "1m")!

    @Option(help: ArgumentHelp("Seconds to wait for an endpoint to accept a connection.", valueName: "seconds"))
    var proxyConnectTimeout = 5

    @Option(help: ArgumentHelp("Seconds an endpoint may leave a response waiting.", valueName: "seconds"))
    var proxyReadTimeout = 60

    @Option(help: ArgumentHelp("Seconds requests in flight get to finish after SIGTERM (ingress-nginx's worker-shutdown-timeout).",
                               valueName: "seconds"))
    var workerShutdownTimeout = 240

    @Flag(help: "Log no line per request.")
    var noAccessLog = false

    @Flag(name: .shortAndLong, help: "Log why each request was refused.")
    var verbose = false

    func validate() throws {
        guard [httpPort, httpsPort ?? 0, metricsPort].allSatisfy((0...65535).contains) else {
            throw ValidationError("--http-port, --https-port and --metrics-port must be port numbers.")
        }
        if let defaultSSLCertificate, defaultCertificateName == nil {
            throw ValidationError("--default-ssl-certificate must be namespace/name, not \"\(defaultSSLCertificate)\".")
        }
        guard proxyConnectTimeout > 0, proxyReadTimeout > 0 else {
            throw ValidationError("--proxy-connect-timeout and --proxy-read-timeout must be positive.")
        }
        guard workerShutdownTimeout >= 0 else { throw ValidationError("--worker-shutdown-timeout must not be negative.") }
        if let threads, threads <= 0 { throw ValidationError("--threads must be positive.") }
        if !files.isEmpty, api.isGiven {
            throw ValidationError("-f and --kubeconfig, --context or --master exclude each other: read files or follow the API server.")
        }
    }

    func run() async throws {
        let logger = commandLogger(verbose: verbose)
        if files.isEmpty {
            try await serveFromAPI(logger: logger)
            return
        }
        let manifests: Manifests
        do {
            manifests = try ManifestLoader.load(paths: files)
        } catch {
            printWarnings(error.warnings)
            printError(error.description)
            printError("\(error.errors.count) \(error.errors.count == 1 ? "problem" : "problems") found; nothing was used.")
            throw ExitCode(2)
        }
        printWarnings(manifests.warnings)
        let server = try await start(manifests, logger: logger)
        try await serveUntilSignalled(server, logger: logger) { try await self.followFiles(server, logger: logger) }
    }

    /// Serves by what the API server holds: starts once every collection is listed, then
    /// takes each change up as it comes. The client is shut down however it ends.
    private func serveFromAPI(logger: Logger) async throws {
        let client = try api.client()
        var failure: (any Error)?
        do {
            try await serve(following: IngressInputSource(client: client, logger: logger), logger: logger)
        } catch {
            failure = error
        }
        await client.shutdown()
        if let failure { throw failure }
    }

    /// Runs `source` while serving by what it hands on; it is stopped and waited for
    /// however serving ends.
    private func serve(following source: IngressInputSource, logger: Logger) async throws {
        let (inputs, input) = AsyncStream.makeStream(of: Manifests.self, bufferingPolicy: .bufferingNewest(1))
        let following = Task {
            defer { input.finish() }
            try await source.run { input.yield($0) }
        }
        var failure: (any Error)?
        do {
            var waiting = inputs.makeAsyncIterator()
            guard let first = await waiting.next() else {
                if case .failure(let error) = await following.result {
                    printError("kproxy-iptables: following the API server failed: \(error)")
                }
                throw ExitCode(1)
            }
            let server = try await start(first, logger: logger)
            try await serveUntilSignalled(server, logger: logger) {
                for await manifests in inputs { await self.takeUp(manifests, on: server, logger: logger) }
                // The input ended without a signal: the source failed for good.
                if !Task.isCancelled, case .failure(let error) = await following.result { throw error }
            }
        } catch let error as ExitCode {
            failure = error
        } catch {
            printError("kproxy-iptables: following the API server failed: \(error)")
            failure = ExitCode(1)
        }
        following.cancel()
        _ = await following.result
        if let failure { throw failure }
    }

    /// The server, listening and serving by `manifests`: input with problems ends the
    /// command with status 2, listeners that cannot be bound with status 1.
    private func start(_ manifests: Manifests, logger: Logger) async throws -> IngressProxyServer {
        var configuration = IngressProxyServer.Configuration()
        configuration.host = address
        configuration.httpPort = httpPort
        configuration.httpsPort = httpsPort
        configuration.metricsPort = metricsPort
        if let threads { configuration.threads = threads }
        configuration.accessLog = !noAccessLog
        configuration.limits = IngressProxyLimits(maxBodyBytes: maxBodySize.bytes)
        configuration.limits.connectTimeout = .seconds(proxyConnectTimeout)
        configuration.limits.readTimeout = .seconds(proxyReadTimeout)
        let table = IngressRouteTable(manifests, className: ingressClass, defaultCertificate: defaultCertificateName)
        let environment = ProcessInfo.processInfo.environment
        configuration.controller = IngressController(className: table.className ?? "", namespace: environment["POD_NAMESPACE"] ?? "",
                                                     pod: environment["POD_NAME"] ?? "")
        guard table.problems.isEmpty else {
            for problem in table.problems { printError("kproxy-iptables: \(problem)") }
            printError("\(table.problems.count) \(table.problems.count == 1 ? "problem" : "problems") found; nothing was used.")
            throw ExitCode(2)
        }
        for warning in table.warnings { logger.warning("\(warning)") }
        let server: IngressProxyServer
        do {
            server = try await IngressProxyServer.start(table, configuration: configuration, logger: logger)
        } catch {
            printError("kproxy-iptables: cannot listen on \(address) (ports \(httpPort)\(httpsPort.map { ", \($0)" } ?? "")): \(error)")
            throw ExitCode(1)
        }
        logger.info("\(Self.summary(table))")
        return server
    }

    /// Runs `follow` until SIGTERM or SIGINT, then shuts the server down gracefully.
    private func serveUntilSignalled(_ server: IngressProxyServer, logger: Logger,
                                     follow: @escaping @Sendable () async throws -> Void) async throws {
        let signals = await UnixSignalsSequence(trapping: .sigterm, .sigint)
        let signal = try await withThrowingTaskGroup(of: String?.self) { group in
            group.addTask { try await follow(); return nil }
            group.addTask {
                for await signal in signals { return "\(signal)" }
                return nil
            }
            defer { group.cancelAll() }
            while let finished = try await group.next() {
                if let signal = finished { return signal }
            }
            return "the end of the input"
        }
        logger.info("\(signal): shutting down; requests in flight get \(workerShutdownTimeout) s")
        let cut = await server.shutdown(timeout: .seconds(workerShutdownTimeout))
        logger.info("stopped\(cut > 0 ? "; \(cut) busy connections were cut" : "")")
    }

    /// Reads the files again whenever they change, and takes the new input up.
    private func followFiles(_ server: IngressProxyServer, logger: Logger) async throws {
        var seen = ManifestFingerprint(paths: files)
        while true {
            try await Task.sleep(for: .seconds(1))
            let current = ManifestFingerprint(paths: files)
            guard current != seen else { continue }
            seen = current
            do {
                let manifests = try ManifestLoader.load(paths: files)
                for warning in manifests.warnings { logger.warning("\(warning)") }
                await takeUp(manifests, on: server, logger: logger)
            } catch {
                logger.error("\(error.description)")
                logger.error("the input is invalid; the route table in force stays")
            }
        }
    }

    /// Swaps in the table `manifests` give, unless it has problems (then the table in
    /// force stays).
    private func takeUp(_ manifests: Manifests, on server: IngressProxyServer, logger: Logger) async {
        let table = IngressRouteTable(manifests, className: ingressClass, defaultCertificate: defaultCertificateName)
        guard table.problems.isEmpty else {
            for problem in table.problems { logger.error("\(problem)") }
            logger.error("the input is invalid; the route table in force stays")
            return
        }
        for warning in table.warnings { logger.warning("\(warning)") }
        await server.update(table)
        logger.info("the input changed: \(Self.summary(table))")
    }

    /// `--default-ssl-certificate` as a name, `nil` when not given or not `namespace/name`.
    private var defaultCertificateName: NamespacedName? {
        guard let parts = defaultSSLCertificate?.split(separator: "/", omittingEmptySubsequences: false), parts.count == 2,
              !parts[0].isEmpty, !parts[1].isEmpty else { return nil }
        return NamespacedName(namespace: String(parts[0]), name: String(parts[1]))
    }

    static func summary(_ table: IngressRouteTable) -> String {
        let upstreams = table.allUpstreams
        let endpoints = upstreams.reduce(0) { $0 + $1.endpoints.count }
        return "serving class \(table.className ?? "(every Ingress)"): \(upstreams.count) backends, \(endpoints) endpoints, "
            + "\(table.certificates.hostCount) hosts with certificates"
    }
}
