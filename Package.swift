// swift-tools-version:6.2
import PackageDescription

let package = Package(
    name: "kproxy-iptables",
    products: [
        .library(name: "ServiceModel", targets: ["ServiceModel"]),
        .library(name: "ProxyCore", targets: ["ProxyCore"]),
        .library(name: "IptablesBackend", targets: ["IptablesBackend"]),
        .library(name: "NftablesBackend", targets: ["NftablesBackend"]),
        .library(name: "Conntrack", targets: ["Conntrack"]),
        .library(name: "ProxyRuntime", targets: ["ProxyRuntime"]),
        .library(name: "KubernetesClient", targets: ["KubernetesClient"]),
        .library(name: "ProxyAgent", targets: ["ProxyAgent"]),
        .library(name: "IngressProxy", targets: ["IngressProxy"]),
        .executable(name: "kproxy-iptables", targets: ["kproxy-iptables"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.6"),
        .package(url: "https://github.com/apple/swift-nio-http2", from: "1.46.0"),
        .package(url: "https://github.com/apple/swift-certificates", from: "1.21.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
    ],
    targets: [
        // Kubernetes objects, their validation, the Service/EndpointSlice join and the
        // Ingress matcher. Reads YAML through libyaml's event API (bundled with Yams).
        .target(
            name: "ServiceModel",
            dependencies: [
                .product(name: "Yams", package: "Yams"),
            ]
        ),
        // SHA-256 block compression with the x86 SHA extensions, for chain names.
        .target(name: "CSHA256"),
        // What every rule backend shares: the node, the settings resolved from the
        // configuration, kube-proxy's endpoint selection and the network namespaces the
        // kernel tests and benchmarks run in. Knows no rule syntax.
        .target(
            name: "ProxyCore",
            dependencies: ["ServiceModel", "CSHA256"]
        ),
        // libip4tc and libip6tc (apt: libiptc-dev), wrapped in one header.
        .systemLibrary(
            name: "CIPTC",
            pkgConfig: "libiptc",
            providers: [.apt(["libiptc-dev"])]
        ),
        // The rule model, chain names, the planner and the restore-text renderer; the diff and
        // appliers build on it.
        .target(
            name: "IptablesBackend",
            dependencies: [
                "ServiceModel",
                "ProxyCore",
                "CIPTC",
            ]
        ),
        // libnftables (apt: libnftables-dev): nft's commands run in this process.
        .systemLibrary(
            name: "CNftables",
            pkgConfig: "libnftables",
            providers: [.apt(["libnftables-dev"])]
        ),
        // libnftnl and libmnl (apt: libnftnl-dev, libmnl-dev): transactions sent to the
        // kernel as netlink batches, without libnftables' listing of the table each time.
        .systemLibrary(
            name: "CNftnl",
            pkgConfig: "libnftnl",
            providers: [.apt(["libnftnl-dev", "libmnl-dev"])]
        ),
        // kube-proxy's nftables mode: the table as values (chains, verdict maps, sets), its
        // planner, and the transactions that sync it, applied through libnftables.
        .target(
            name: "NftablesBackend",
            dependencies: ["ServiceModel", "ProxyCore", "CNftables", "CNftnl"]
        ),
        // libnetfilter_conntrack (apt: libnetfilter-conntrack-dev), wrapped in one header.
        .systemLibrary(
            name: "CNetfilterConntrack",
            pkgConfig: "libnetfilter_conntrack",
            providers: [.apt(["libnetfilter-conntrack-dev"])]
        ),
        // Stale UDP and SCTP flows found from the service ports and deleted through netlink,
        // as kube-proxy does after a sync.
        .target(
            name: "Conntrack",
            dependencies: ["ServiceModel", "CNetfilterConntrack"]
        ),
        // The sync loop of a node agent: object changes from a source (files, the API
        // server) planned incrementally and applied, with health and kube-proxy's metrics.
        .target(
            name: "ProxyRuntime",
            dependencies: [
                "ServiceModel",
                "ProxyCore",
                "IptablesBackend",
                "NftablesBackend",
                "Conntrack",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ]
        ),
        // Talking to the API server: the connection (kubeconfig, in-cluster), requests
        // through async-http-client and swift-nio-ssl, list and watch (the reflector), and
        // the agent's change source. The heavy dependencies stop here.
        .target(
            name: "KubernetesClient",
            dependencies: [
                "ServiceModel",
                "ProxyRuntime",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // The node agent: the sync loop fed by the API server, healthz, metrics and
        // health-check node ports on small NIO servers, ended by signals.
        .target(
            name: "ProxyAgent",
            dependencies: [
                "ServiceModel",
                "ProxyCore",
                "IptablesBackend",
                "ProxyRuntime",
                "KubernetesClient",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // The Ingress proxy: route tables from Ingresses, Services, EndpointSlices and TLS
        // Secrets, and the HTTP/1.1 and HTTP/2 (TLS, SNI) proxy serving by them on NIO.
        .target(
            name: "IngressProxy",
            dependencies: [
                "ServiceModel",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOHTTP2", package: "swift-nio-http2"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ]
        ),
        // A Kubernetes API server on loopback speaking the real wire format, from objects
        // in memory: for the tests and the agent benchmark (NIO, TLS from a CA it makes).
        .target(
            name: "LocalAPIServer",
            dependencies: [
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        .executableTarget(
            name: "kproxy-iptables",
            dependencies: [
                "ServiceModel",
                "ProxyCore",
                "NftablesBackend",
                "IptablesBackend",
                "Conntrack",
                "ProxyRuntime",
                "KubernetesClient",
                "ProxyAgent",
                "IngressProxy",
                "LocalAPIServer",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                // For the bench's byte relay (the floor under an HTTP proxy on NIO).
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ]
        ),
        // Fuzz targets over the manifest decoder and the save-text reader. scripts/fuzz links
        // them with libFuzzer (-sanitize=fuzzer); built as usual, they replay saved inputs
        // (`swift run fuzz-manifests Fuzz/findings/manifests`).
        .target(name: "CLibFuzzer", path: "Fuzz/CLibFuzzer"),
        .target(name: "FuzzMain", dependencies: ["CLibFuzzer"], path: "Fuzz/FuzzMain"),
        .executableTarget(name: "fuzz-manifests", dependencies: ["ServiceModel", "FuzzMain"], path: "Fuzz/Manifests"),
        .executableTarget(name: "fuzz-restore-text", dependencies: ["IptablesBackend", "ServiceModel", "FuzzMain"],
                          path: "Fuzz/RestoreText"),
        // Shared by the test targets: fixture discovery, golden files, restore-text parsing,
        // servers and clients for the proxies' traffic.
        .target(
            name: "KProxyTestSupport",
            dependencies: [
                "ServiceModel", "ProxyCore", "IptablesBackend",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOWebSocket", package: "swift-nio"),
            ],
            path: "Tests/KProxyTestSupport"
        ),
        .testTarget(name: "ServiceModelTests", dependencies: ["ServiceModel", "KProxyTestSupport"]),
        .testTarget(name: "ProxyCoreTests", dependencies: ["ProxyCore", "ServiceModel", "KProxyTestSupport"]),
        // swift-crypto checks the chain-name digest against a general-purpose SHA-256.
        .testTarget(name: "IptablesBackendTests", dependencies: [
            "IptablesBackend", "ProxyCore", "KProxyTestSupport", .product(name: "Crypto", package: "swift-crypto"),
        ]),
        .testTarget(name: "NftablesBackendTests", dependencies: [
            "NftablesBackend", "ProxyCore", "ServiceModel", "KProxyTestSupport",
        ]),
        .testTarget(name: "ConntrackTests", dependencies: ["Conntrack", "ServiceModel", "ProxyCore", "KProxyTestSupport"]),
        .testTarget(name: "ProxyRuntimeTests", dependencies: [
            "ProxyRuntime", "KProxyTestSupport", .product(name: "Logging", package: "swift-log"),
        ]),
        .testTarget(name: "KubernetesClientTests", dependencies: [
            "KubernetesClient", "ServiceModel", "ProxyRuntime", "KProxyTestSupport", "LocalAPIServer",
            .product(name: "Logging", package: "swift-log"),
        ]),
        .testTarget(name: "ProxyAgentTests", dependencies: [
            "ProxyAgent", "ProxyRuntime", "ServiceModel", "KProxyTestSupport",
            .product(name: "AsyncHTTPClient", package: "async-http-client"),
            .product(name: "Logging", package: "swift-log"),
        ]),
        .testTarget(name: "IngressProxyTests", dependencies: [
            "IngressProxy", "ServiceModel", "KProxyTestSupport",
            .product(name: "Crypto", package: "swift-crypto"),
            .product(name: "AsyncHTTPClient", package: "async-http-client"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "NIOHTTP1", package: "swift-nio"),
            .product(name: "NIOEmbedded", package: "swift-nio"),
            .product(name: "Logging", package: "swift-log"),
        ]),
        .testTarget(name: "KProxyCLITests", dependencies: [
            "kproxy-iptables", "ServiceModel", "ProxyCore", "KProxyTestSupport", "LocalAPIServer",
        ]),
    ]
)

for target in package.targets where [.regular, .executable, .test].contains(target.type) {
    var settings = target.swiftSettings ?? []
    settings.append(.enableUpcomingFeature("ExistentialAny"))
    settings.append(.enableUpcomingFeature("NonisolatedNonsendingByDefault"))
    target.swiftSettings = settings
}
