import ServiceModel
import Testing

@Suite struct IngressRouterTests {
    static func path(_ path: String, _ type: IngressPath.PathType, _ service: String, _ port: Int = 80) -> IngressPath {
        IngressPath(path: path, pathType: type, backend: .service(name: service, port: .number(port)))
    }

    static func ingress(_ name: String, class className: String? = "nginx", created: String = "2025-01-01T00:00:00Z",
                        default backend: IngressBackend? = nil, _ rules: [IngressRule]) -> Ingress {
        Ingress(metadata: ObjectMeta(name: name, namespace: "prod", creationTimestamp: created),
                ingressClassName: className, defaultBackend: backend, rules: rules)
    }

    static func service(of route: IngressRoute?) -> String? {
        guard case .service(let name, _)? = route?.backend else { return nil }
        return name
    }

    func router(_ ingresses: [Ingress]) -> IngressRouter {
        IngressRouter(ingresses: ingresses, className: "nginx")
    }

    @Test func exactHostBeatsWildcardWhichBeatsNoHost() {
        let router = router([Self.ingress("web", [
            IngressRule(host: "*.example.com", paths: [Self.path("/", .prefix, "wildcard")]),
            IngressRule(host: nil, paths: [Self.path("/", .prefix, "catch-all")]),
            IngressRule(host: "shop.example.com", paths: [Self.path("/", .prefix, "shop")]),
        ])])
        #expect(Self.service(of: router.route(host: "shop.example.com", path: "/")) == "shop")
        #expect(Self.service(of: router.route(host: "blog.example.com", path: "/")) == "wildcard")
        #expect(Self.service(of: router.route(host: "other.org", path: "/")) == "catch-all")
    }

    @Test func aWildcardCoversExactlyOneLabel() {
        let router = router([Self.ingress("web", [IngressRule(host: "*.example.com", paths: [Self.path("/", .prefix, "wildcard")])])])
        #expect(Self.service(of: router.route(host: "a.example.com", path: "/")) == "wildcard")
        #expect(router.route(host: "example.com", path: "/") == nil)
        #expect(router.route(host: "a.b.example.com", path: "/") == nil)
    }

    @Test func hostsCompareWithoutCaseOrPort() {
        let router = router([Self.ingress("web", [IngressRule(host: "shop.example.com", paths: [Self.path("/", .prefix, "shop")])])])
        for host in ["Shop.Example.COM:8443", "SHOP.example.com", "shop.example.com:80", "shop.example.com.", "shop.example.com"] {
            #expect(Self.service(of: router.route(host: host, path: "/")) == "shop", "\(host)")
        }
        #expect(router.route(host: "shop.example.co", path: "/") == nil)
    }

    @Test func theLongestMatchingPathWins() {
        let router = router([Self.ingress("web", [IngressRule(paths: [
            Self.path("/", .prefix, "root"), Self.path("/aaa", .prefix, "aaa"), Self.path("/aaa/bbb", .prefix, "bbb"),
        ])])])
        #expect(Self.service(of: router.route(host: "x", path: "/aaa/bbb")) == "bbb")
        #expect(Self.service(of: router.route(host: "x", path: "/aaa/ccc")) == "aaa")
        #expect(Self.service(of: router.route(host: "x", path: "/ccc")) == "root")
    }

    @Test func exactBeatsPrefixOnATie() {
        let router = router([Self.ingress("web", [IngressRule(paths: [
            Self.path("/foo", .prefix, "prefix"), Self.path("/foo", .exact, "exact"),
        ])])])
        #expect(Self.service(of: router.route(host: "x", path: "/foo")) == "exact")
        #expect(Self.service(of: router.route(host: "x", path: "/foo/bar")) == "prefix")
        // A trailing slash makes the same length: the Exact path still wins.
        let slash = self.router([Self.ingress("web", [IngressRule(paths: [
            Self.path("/foo/", .prefix, "prefix"), Self.path("/foo", .exact, "exact"),
        ])])])
        #expect(Self.service(of: slash.route(host: "x", path: "/foo")) == "exact")
    }

    @Test func prefixMatchesWholePathElements() {
        let router = router([Self.ingress("web", [IngressRule(paths: [Self.path("/aaa/bb", .prefix, "bb")])])])
        #expect(Self.service(of: router.route(host: "x", path: "/aaa/bb")) == "bb")
        #expect(Self.service(of: router.route(host: "x", path: "/aaa/bb/c")) == "bb")
        #expect(router.route(host: "x", path: "/aaa/bbb") == nil)
    }

    @Test func trailingSlashesAreIgnoredForPrefixButNotForExact() {
        let prefix = router([Self.ingress("web", [IngressRule(paths: [Self.path("/foo/", .prefix, "foo")])])])
        #expect(Self.service(of: prefix.route(host: "x", path: "/foo")) == "foo")
        #expect(Self.service(of: prefix.route(host: "x", path: "/foo/")) == "foo")
        let plain = router([Self.ingress("web", [IngressRule(paths: [Self.path("/foo", .prefix, "foo")])])])
        #expect(Self.service(of: plain.route(host: "x", path: "/foo/")) == "foo")
        let exact = router([Self.ingress("web", [IngressRule(paths: [Self.path("/foo", .exact, "foo")])])])
        #expect(exact.route(host: "x", path: "/foo/") == nil)
        #expect(Self.service(of: exact.route(host: "x", path: "/foo?page=2")) == "foo")
    }

    @Test func implementationSpecificIsMatchedLikePrefix() {
        let router = router([Self.ingress("web", [IngressRule(paths: [Self.path("/api", .implementationSpecific, "api")])])])
        #expect(Self.service(of: router.route(host: "x", path: "/api/v1")) == "api")
        #expect(router.route(host: "x", path: "/apis") == nil)
    }

    @Test func theDefaultBackendTakesWhatNoRuleMatches() {
        let fallback = IngressBackend.service(name: "fallback", port: .name("http"))
        let router = router([Self.ingress("web", default: fallback, [IngressRule(host: "shop.example.com", paths: [Self.path("/cart", .prefix, "cart")])])])
        let route = router.route(host: "shop.example.com", path: "/")
        #expect(route?.backend == fallback)
        #expect(route?.match == .defaultBackend)
        #expect(router.route(host: "elsewhere", path: "/")?.backend == fallback)
        #expect(Self.service(of: router.route(host: "shop.example.com", path: "/cart/1")) == "cart")
        #expect(IngressRouter(ingresses: [], className: "nginx").route(host: "x", path: "/") == nil)
    }

    @Test func rulesOfEveryIngressOfTheClassAreMerged() {
        let shop = Self.ingress("shop", created: "2025-01-02T00:00:00Z", [IngressRule(host: "example.com", paths: [Self.path("/shop", .prefix, "shop")])])
        let blog = Self.ingress("blog", created: "2025-01-03T00:00:00Z", [IngressRule(host: "example.com", paths: [Self.path("/blog", .prefix, "blog")])])
        let older = Self.ingress("older", created: "2025-01-01T00:00:00Z", [IngressRule(host: "example.com", paths: [Self.path("/blog", .prefix, "older-blog")])])
        let otherClass = Self.ingress("other", class: "traefik", [IngressRule(host: "example.com", paths: [Self.path("/", .prefix, "traefik")])])
        let router = router([shop, blog, older, otherClass])
        #expect(Self.service(of: router.route(host: "example.com", path: "/shop")) == "shop")
        // Same path in two Ingresses: the older Ingress wins.
        let route = router.route(host: "example.com", path: "/blog/post")
        #expect(Self.service(of: route) == "older-blog")
        #expect(route?.ingress == NamespacedName(namespace: "prod", name: "older"))
        // The other class's catch-all is not used.
        #expect(router.route(host: "example.com", path: "/") == nil)
    }

    @Test func ingressesWithoutAClassBelongToTheDefaultClass() {
        let unclassed = Self.ingress("web", class: nil, [IngressRule(paths: [Self.path("/", .prefix, "web")])])
        let annotated = Ingress(metadata: ObjectMeta(name: "legacy", namespace: "prod", annotations: [WellKnownLabel.legacyIngressClass: "nginx"]),
                                rules: [IngressRule(host: "legacy.example.com", paths: [Self.path("/", .prefix, "legacy")])])
        let defaultClass = IngressClass(metadata: ObjectMeta(name: "nginx", annotations: [WellKnownLabel.defaultIngressClass: "true"]),
                                        controller: "k8s.io/ingress-nginx")
        let withDefault = IngressRouter(ingresses: [unclassed, annotated], className: "nginx", classes: [defaultClass])
        #expect(Self.service(of: withDefault.route(host: "x", path: "/")) == "web")
        #expect(Self.service(of: withDefault.route(host: "legacy.example.com", path: "/")) == "legacy")
        let notDefault = IngressRouter(ingresses: [unclassed], className: "nginx", classes: [])
        #expect(notDefault.route(host: "x", path: "/") == nil)
    }

    @Test func invalidPathsAreRejectedWhenRead() {
        for (path, reason) in [("api", "must be an absolute path"), ("/a//b", "must not contain '//'"),
                               ("/a/../b", "must not contain '/../'"), ("/a/.", "cannot end with '/.'"),
                               ("/a%2Fb", "must not contain '%2F'")] {
            #expect(Ingress.pathProblem(path, .prefix) == reason, "\(path)")
        }
        #expect(Ingress.pathProblem("anything-goes", .implementationSpecific) == "must be an absolute path")
        #expect(Ingress.pathProblem("/ok/path", .exact) == nil)
    }

    @Test func decodesAnIngressAsKubectlPrintsIt() throws {
        let manifests = try load("""
            apiVersion: networking.k8s.io/v1
            kind: IngressClass
            metadata:
              name: nginx
              annotations: {ingressclass.kubernetes.io/is-default-class: "true"}
            spec: {controller: k8s.io/ingress-nginx}
            ---
            apiVersion: networking.k8s.io/v1
            kind: Ingress
            metadata: {name: shop, namespace: prod}
            spec:
              tls:
              - hosts: [shop.example.com]
                secretName: shop-tls
              rules:
              - host: shop.example.com
                http:
                  paths:
                  - path: /api
                    pathType: Prefix
                    backend:
                      service: {name: api, port: {name: http}}
                  - path: /assets
                    pathType: Exact
                    backend:
                      resource: {apiGroup: storage.example.com, kind: Bucket, name: assets}

            """)
        let router = IngressRouter(ingresses: manifests.ingresses, className: "nginx", classes: manifests.ingressClasses)
        #expect(router.route(host: "shop.example.com", path: "/api/cart")?.backend == .service(name: "api", port: .name("http")))
        #expect(router.route(host: "shop.example.com", path: "/assets")?.backend == .resource(apiGroup: "storage.example.com", kind: "Bucket", name: "assets"))
        #expect(manifests.ingresses[0].tls == [IngressTLS(hosts: ["shop.example.com"], secretName: "shop-tls")])
    }
}
