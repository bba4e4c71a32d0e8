// swift-tools-version:6.2
import PackageDescription

let package = Package(
    name: "kproxy-iptables",
    products: [
        .library(name: "ServiceModel", targets: ["ServiceModel"]),
        .library(name: "IptablesBackend", targets: ["IptablesBackend"]),
        .library(name: "ProxyRuntime", targets: ["ProxyRuntime"]),
        .library(name: "KubernetesClient", targets: ["KubernetesClient"]),
        .executable(name: "kproxy-iptables", targets: ["kproxy-iptables"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
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
        // libip4tc and libip6tc (apt: libiptc-dev), wrapped in one header.
        .systemLibrary(
            name: "CIPTC",
            pkgConfig: "libiptc",
            providers: [.apt(["libiptc-dev"])]
        ),
        // SHA-256 block compression with the x86 SHA extensions, for chain names.
        .target(name: "CSHA256"),
        // The rule model, chain names, the planner and the restore-text renderer; the diff and
        // appliers build on it.
        .target(
            name: "IptablesBackend",
            dependencies: [
                "ServiceModel",
                "CIPTC",
                "CSHA256",
            ]
        ),
        // The sync loop of a node agent: object changes from a source (files, the API
        // server) planned incrementally and applied, with health and kube-proxy's metrics.
        .target(
            name: "ProxyRuntime",
            dependencies: [
                "ServiceModel",
                "IptablesBackend",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ]
        ),
        // Talking to the API server: the connection (kubeconfig, in-cluster), and the
        // pieces of list and watch.
        .target(
            name: "KubernetesClient",
            dependencies: ["ServiceModel"]
        ),
        .executableTarget(
            name: "kproxy-iptables",
            dependencies: [
                "ServiceModel",
                "IptablesBackend",
                "ProxyRuntime",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        // Shared by the test targets: fixture discovery, golden files, restore-text parsing.
        .target(
            name: "KProxyTestSupport",
            dependencies: ["ServiceModel", "IptablesBackend"],
            path: "Tests/KProxyTestSupport"
        ),
        .testTarget(name: "ServiceModelTests", dependencies: ["ServiceModel", "KProxyTestSupport"]),
        // swift-crypto checks the chain-name digest against a general-purpose SHA-256.
        .testTarget(name: "IptablesBackendTests", dependencies: [
            "IptablesBackend", "KProxyTestSupport", .product(name: "Crypto", package: "swift-crypto"),
        ]),
        .testTarget(name: "ProxyRuntimeTests", dependencies: [
            "ProxyRuntime", "KProxyTestSupport", .product(name: "Logging", package: "swift-log"),
        ]),
        .testTarget(name: "KubernetesClientTests", dependencies: ["KubernetesClient", "ServiceModel", "KProxyTestSupport"]),
        .testTarget(name: "KProxyCLITests", dependencies: ["kproxy-iptables", "ServiceModel", "KProxyTestSupport"]),
    ]
)

for target in package.targets where [.regular, .executable, .test].contains(target.type) {
    var settings = target.swiftSettings ?? []
    settings.append(.enableUpcomingFeature("ExistentialAny"))
    settings.append(.enableUpcomingFeature("NonisolatedNonsendingByDefault"))
    target.swiftSettings = settings
}
