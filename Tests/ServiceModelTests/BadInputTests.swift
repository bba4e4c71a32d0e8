import ServiceModel
import Testing

/// One bad input and the exact messages it must give.
struct BadInput: CustomTestStringConvertible, Sendable {
    var name: String
    var yaml: String
    var expected: [String]
    var testDescription: String { name }

    init(_ name: String, _ yaml: String, _ expected: String...) {
        self.name = name
        self.yaml = yaml
        self.expected = expected
    }
}

let port80 = "  ports:\n  - name: http\n    port: 80\n"
let svc = "cluster.yaml: Service prod/api: "
let eps = "cluster.yaml: EndpointSlice prod/api-abc: "
let dns1035 = "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')"
let dns1123Label = "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')"
let ipMessage = "must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)"
let cidrMessage = "must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)"
let oneEndpoint = "endpoints:\n- addresses:\n  - 10.244.1.5\nports:\n- name: http\n  port: 8080\n"

let badInputs: [BadInput] = [
    // YAML itself
    BadInput("malformed YAML names the line",
             "apiVersion: v1\nkind: Service\nmetadata:\n  name: api\n   namespace: prod\n",
             "cluster.yaml:5:13: invalid YAML: mapping values are not allowed in this context"),
    BadInput("unclosed flow mapping",
             "apiVersion: v1\nkind: Service\nspec: {ports: [80\n",
             "cluster.yaml:4:1: invalid YAML: did not find expected ',' or ']' (while parsing a flow sequence at line 3)"),
    BadInput("duplicate key",
             "apiVersion: v1\nkind: Service\nmetadata:\n  name: api\n  name: web\n",
             "cluster.yaml:5:3: invalid YAML: mapping key \"name\" already defined at line 4"),
    BadInput("document that is not an object",
             "- just\n- a list\n",
             "cluster.yaml: document 1: <root>: Invalid value: array: must be of type object"),
    BadInput("missing kind",
             "apiVersion: v1\nmetadata:\n  name: api\n",
             "cluster.yaml: document 1: kind: Required value"),
    BadInput("missing apiVersion",
             "kind: Service\nmetadata:\n  name: api\n  namespace: prod\n",
             svc + "apiVersion: Required value"),
    BadInput("old EndpointSlice apiVersion",
             "apiVersion: discovery.k8s.io/v1beta1\nkind: EndpointSlice\nmetadata:\n  name: api-abc\n  namespace: prod\n",
             eps + "apiVersion: Unsupported value: \"discovery.k8s.io/v1beta1\": supported values: \"discovery.k8s.io/v1\""),
    BadInput("object defined twice",
             service(port80) + "\n---\n" + service(port80),
             svc + "metadata.name: Duplicate value: \"api\": also defined in cluster.yaml"),

    // Service: metadata
    BadInput("missing name",
             "apiVersion: v1\nkind: Service\nmetadata:\n  namespace: prod\nspec:\n" + port80,
             "cluster.yaml: Service in document 1: metadata.name: Required value: name or generateName is required"),
    BadInput("service name not a DNS-1035 label",
             service(port80, name: "1api"),
             "cluster.yaml: Service prod/1api: metadata.name: Invalid value: \"1api\": " + dns1035),
    BadInput("namespace not a DNS-1123 label",
             service(port80, namespace: "Prod"),
             "cluster.yaml: Service Prod/api: metadata.namespace: Invalid value: \"Prod\": " + dns1123Label),

    // Service: ports
    BadInput("port out of range",
             service("  ports:\n  - name: http\n    port: 80\n  - name: https\n    port: 70000\n"),
             svc + "spec.ports[1].port: Invalid value: 70000: must be between 1 and 65535, inclusive"),
    BadInput("port zero",
             service("  ports:\n  - port: 0\n"),
             svc + "spec.ports[0].port: Invalid value: 0: must be between 1 and 65535, inclusive"),
    BadInput("port of the wrong type",
             service("  ports:\n  - port: http\n"),
             svc + "spec.ports[0].port: Invalid value: \"http\": must be of type integer"),
    BadInput("quoted port number",
             service("  ports:\n  - port: \"80\"\n"),
             svc + "spec.ports[0].port: Invalid value: \"80\": must be of type integer"),
    BadInput("missing port",
             service("  ports:\n  - name: http\n"),
             svc + "spec.ports[0].port: Required value"),
    BadInput("unknown protocol",
             service("  ports:\n  - port: 80\n    protocol: ICMP\n"),
             svc + "spec.ports[0].protocol: Unsupported value: \"ICMP\": supported values: \"SCTP\", \"TCP\", \"UDP\""),
    BadInput("unnamed port among several",
             service("  ports:\n  - name: http\n    port: 80\n  - port: 443\n"),
             svc + "spec.ports[1].name: Required value"),
    BadInput("duplicate port names",
             service("  ports:\n  - name: http\n    port: 80\n  - name: http\n    port: 8080\n"),
             svc + "spec.ports[1].name: Duplicate value: \"http\""),
    BadInput("duplicate port and protocol",
             service("  ports:\n  - name: a\n    port: 80\n  - name: b\n    port: 80\n"),
             svc + "spec.ports[1]: Duplicate value: \"80/TCP\""),
    BadInput("port name not a label",
             service("  ports:\n  - name: HTTP\n    port: 80\n"),
             svc + "spec.ports[0].name: Invalid value: \"HTTP\": " + dns1123Label),
    BadInput("targetPort name without a letter",
             service("  ports:\n  - port: 80\n    targetPort: \"8080\"\n"),
             svc + "spec.ports[0].targetPort: Invalid value: \"8080\": must contain at least one letter (a-z)"),
    BadInput("targetPort name too long",
             service("  ports:\n  - port: 80\n    targetPort: metrics-endpoint-https\n"),
             svc + "spec.ports[0].targetPort: Invalid value: \"metrics-endpoint-https\": must be no more than 15 characters"),
    BadInput("targetPort out of range",
             service("  ports:\n  - port: 80\n    targetPort: 65536\n"),
             svc + "spec.ports[0].targetPort: Invalid value: 65536: must be between 1 and 65535, inclusive"),
    BadInput("nodePort on a ClusterIP service",
             service("  ports:\n  - port: 80\n    nodePort: 30080\n"),
             svc + "spec.ports[0].nodePort: Forbidden: may not be used when `type` is 'ClusterIP'"),
    BadInput("nodePort out of range",
             service("  type: NodePort\n  ports:\n  - port: 80\n    nodePort: 99999\n"),
             svc + "spec.ports[0].nodePort: Invalid value: 99999: must be between 1 and 65535, inclusive"),
    BadInput("no ports",
             service("  clusterIP: 10.96.0.10\n"),
             svc + "spec.ports: Required value"),

    // Service: type, addresses, families
    BadInput("unknown type",
             service("  type: Internal\n" + port80),
             svc + "spec.type: Unsupported value: \"Internal\": supported values: \"ClusterIP\", \"ExternalName\", \"LoadBalancer\", \"NodePort\""),
    BadInput("bad cluster IP",
             service("  clusterIP: 10.96.0.300\n" + port80),
             svc + "spec.clusterIPs[0]: Invalid value: \"10.96.0.300\": " + ipMessage),
    BadInput("clusterIPs not starting with clusterIP",
             service("  clusterIP: 10.96.0.10\n  clusterIPs:\n  - 10.96.0.11\n" + port80),
             svc + "spec.clusterIPs[0]: Invalid value: \"10.96.0.11\": must match `clusterIP` (\"10.96.0.10\")"),
    BadInput("cluster IP of the wrong family",
             service("  clusterIP: fd00:10:96::a\n  ipFamilies:\n  - IPv4\n" + port80),
             svc + "spec.clusterIPs[0]: Invalid value: \"fd00:10:96::a\": expected an IPv4 value as indicated by `ipFamilies[0]`"),
    BadInput("two cluster IPs of one family",
             service("  clusterIPs:\n  - 10.96.0.10\n  - 10.96.0.11\n  ipFamilyPolicy: RequireDualStack\n" + port80),
             svc + "spec.clusterIPs[1]: Invalid value: \"10.96.0.11\": may specify no more than one IP for each IP family"),
    BadInput("unknown IP family",
             service("  ipFamilies:\n  - IPv5\n" + port80),
             svc + "spec.ipFamilies[0]: Unsupported value: \"IPv5\": supported values: \"IPv4\", \"IPv6\""),
    BadInput("headless NodePort",
             service("  type: NodePort\n  clusterIP: None\n" + port80),
             svc + "spec.clusterIPs[0]: Invalid value: \"None\": may not be set to 'None' for NodePort services"),
    BadInput("bad external IP",
             service("  externalIPs:\n  - 203.0.113.\n" + port80),
             svc + "spec.externalIPs[0]: Invalid value: \"203.0.113.\": " + ipMessage),
    BadInput("loopback external IP",
             service("  externalIPs:\n  - 127.0.0.1\n" + port80),
             svc + "spec.externalIPs[0]: Invalid value: \"127.0.0.1\": may not be in the loopback range (127.0.0.0/8, ::1/128)"),
    BadInput("bad source range",
             service("  type: LoadBalancer\n  loadBalancerSourceRanges:\n  - 10.0.0.0/33\n" + port80),
             svc + "spec.loadBalancerSourceRanges[0]: Invalid value: \"10.0.0.0/33\": " + cidrMessage),
    BadInput("source ranges on a ClusterIP service",
             service("  loadBalancerSourceRanges:\n  - 10.0.0.0/8\n" + port80),
             svc + "spec.loadBalancerSourceRanges: Forbidden: may only be used when `type` is 'LoadBalancer'"),
    BadInput("bad load balancer IP",
             service("  type: LoadBalancer\n" + port80, tail: "status:\n  loadBalancer:\n    ingress:\n    - ip: 203.0.113.256\n"),
             svc + "status.loadBalancer.ingress[0].ip: Invalid value: \"203.0.113.256\": " + ipMessage),
    BadInput("unknown ipMode",
             service("  type: LoadBalancer\n" + port80, tail: "status:\n  loadBalancer:\n    ingress:\n    - ip: 203.0.113.5\n      ipMode: Tunnel\n"),
             svc + "status.loadBalancer.ingress[0].ipMode: Unsupported value: \"Tunnel\": supported values: \"Proxy\", \"VIP\""),

    // Service: policies and affinity
    BadInput("unknown session affinity",
             service("  sessionAffinity: Sticky\n" + port80),
             svc + "spec.sessionAffinity: Unsupported value: \"Sticky\": supported values: \"ClientIP\", \"None\""),
    BadInput("affinity timeout zero",
             service("  sessionAffinity: ClientIP\n  sessionAffinityConfig:\n    clientIP:\n      timeoutSeconds: 0\n" + port80),
             svc + "spec.sessionAffinityConfig.clientIP.timeoutSeconds: Invalid value: 0: must be greater than 0 and less than 86400"),
    BadInput("affinity timeout too long",
             service("  sessionAffinity: ClientIP\n  sessionAffinityConfig:\n    clientIP:\n      timeoutSeconds: 86401\n" + port80),
             svc + "spec.sessionAffinityConfig.clientIP.timeoutSeconds: Invalid value: 86401: must be greater than 0 and less than 86400"),
    BadInput("external policy on an internal service",
             service("  externalTrafficPolicy: Local\n" + port80),
             svc + "spec.externalTrafficPolicy: Invalid value: \"Local\": may only be set for externally-accessible services"),
    BadInput("unknown external policy",
             service("  type: NodePort\n  externalTrafficPolicy: Nearest\n" + port80),
             svc + "spec.externalTrafficPolicy: Unsupported value: \"Nearest\": supported values: \"Cluster\", \"Local\""),
    BadInput("unknown internal policy",
             service("  internalTrafficPolicy: Node\n" + port80),
             svc + "spec.internalTrafficPolicy: Unsupported value: \"Node\": supported values: \"Cluster\", \"Local\""),
    BadInput("health check port without Local policy",
             service("  type: LoadBalancer\n  healthCheckNodePort: 32000\n" + port80),
             svc + "spec.healthCheckNodePort: Invalid value: 32000: may only be set when `type` is 'LoadBalancer' and `externalTrafficPolicy` is 'Local'"),
    BadInput("unknown traffic distribution",
             service("  trafficDistribution: Closest\n" + port80),
             svc + "spec.trafficDistribution: Unsupported value: \"Closest\": supported values: \"PreferClose\", \"PreferSameNode\", \"PreferSameZone\""),
    BadInput("ExternalName without a name",
             service("  type: ExternalName\n"),
             svc + "spec.externalName: Required value"),
    BadInput("spec of the wrong type",
             service("  - 80\n"),
             svc + "spec: Invalid value: [...]: must be of type object"),

    // EndpointSlice
    BadInput("slice without its service-name label",
             slice(oneEndpoint, labels: "    app: api\n"),
             eps + "metadata.labels[kubernetes.io/service-name]: Required value: an EndpointSlice must name its Service; without it no proxy uses the slice"),
    BadInput("unknown address type",
             slice(oneEndpoint, addressType: "IPv7"),
             eps + "addressType: Unsupported value: \"IPv7\": supported values: \"FQDN\", \"IPv4\", \"IPv6\""),
    BadInput("bad endpoint address",
             slice("endpoints:\n- addresses:\n  - 10.244.1.300\n"),
             eps + "endpoints[0].addresses[0]: Invalid value: \"10.244.1.300\": " + ipMessage),
    BadInput("address of the other family",
             slice("endpoints:\n- addresses:\n  - fd00:10:244::5\n"),
             eps + "endpoints[0].addresses[0]: Invalid value: \"fd00:10:244::5\": must be an IPv4 address"),
    BadInput("endpoint without addresses",
             slice("endpoints:\n- conditions:\n    ready: true\n"),
             eps + "endpoints[0].addresses: Required value: must contain at least 1 address"),
    BadInput("condition of the wrong type",
             slice("endpoints:\n- addresses:\n  - 10.244.1.5\n  conditions:\n    ready: maybe\n"),
             eps + "endpoints[0].conditions.ready: Invalid value: \"maybe\": must be of type boolean"),
    BadInput("zone hint without a name",
             slice("endpoints:\n- addresses:\n  - 10.244.1.5\n  hints:\n    forZones:\n    - {}\n"),
             eps + "endpoints[0].hints.forZones[0].name: Required value"),
    BadInput("duplicate slice port names",
             slice("ports:\n- name: http\n  port: 8080\n- name: http\n  port: 8081\n"),
             eps + "ports[1].name: Duplicate value: \"http\""),
    BadInput("slice port out of range",
             slice("ports:\n- name: http\n  port: 70000\n"),
             eps + "ports[0].port: Invalid value: 70000: must be between 1 and 65535, inclusive"),

    // Endpoints, Node
    BadInput("legacy Endpoints with a bad address",
             "apiVersion: v1\nkind: Endpoints\nmetadata:\n  name: api\n  namespace: prod\nsubsets:\n- addresses:\n  - ip: 10.244.1\n  ports:\n  - port: 8080\n",
             "cluster.yaml: Endpoints prod/api: subsets[0].addresses[0].ip: Invalid value: \"10.244.1\": " + ipMessage),
    BadInput("legacy Endpoints with an unnamed port among several",
             "apiVersion: v1\nkind: Endpoints\nmetadata:\n  name: api\n  namespace: prod\nsubsets:\n- addresses:\n  - ip: 10.244.1.5\n  ports:\n  - name: http\n    port: 8080\n  - port: 9090\n",
             "cluster.yaml: Endpoints prod/api: subsets[0].ports[1].name: Required value"),
    BadInput("node with a bad pod CIDR",
             "apiVersion: v1\nkind: Node\nmetadata:\n  name: worker-1\nspec:\n  podCIDR: 10.244.1.0/240\n",
             "cluster.yaml: Node worker-1: spec.podCIDRs[0]: Invalid value: \"10.244.1.0/240\": " + cidrMessage),
    BadInput("node with a bad InternalIP",
             "apiVersion: v1\nkind: Node\nmetadata:\n  name: worker-1\nstatus:\n  addresses:\n  - address: 192.168.1.311\n    type: InternalIP\n",
             "cluster.yaml: Node worker-1: status.addresses[0].address: Invalid value: \"192.168.1.311\": " + ipMessage),
    BadInput("node address of an unknown type",
             "apiVersion: v1\nkind: Node\nmetadata:\n  name: worker-1\nstatus:\n  addresses:\n  - address: 192.168.1.11\n    type: PrivateIP\n",
             "cluster.yaml: Node worker-1: status.addresses[0].type: Unsupported value: \"PrivateIP\": supported values: \"ExternalDNS\", \"ExternalIP\", \"Hostname\", \"InternalDNS\", \"InternalIP\""),

    // KubeProxyConfiguration
    BadInput("masquerade bit out of range",
             "apiVersion: kubeproxy.config.k8s.io/v1alpha1\nkind: KubeProxyConfiguration\niptables:\n  masqueradeBit: 32\n",
             "cluster.yaml: KubeProxyConfiguration: iptables.masqueradeBit: Invalid value: 32: must be within the range [0, 31]"),
    BadInput("misspelt configuration field",
             "apiVersion: kubeproxy.config.k8s.io/v1alpha1\nkind: KubeProxyConfiguration\niptables:\n  masqueradeBitt: 12\n",
             "cluster.yaml: KubeProxyConfiguration: iptables.masqueradeBitt: Not found: \"masqueradeBitt\": unknown field; known fields are localhostNodePorts, masqueradeAll, masqueradeBit, minSyncPeriod, syncPeriod"),
    BadInput("unknown detect-local mode",
             "apiVersion: kubeproxy.config.k8s.io/v1alpha1\nkind: KubeProxyConfiguration\ndetectLocalMode: PodCIDR\n",
             "cluster.yaml: KubeProxyConfiguration: detectLocalMode: Unsupported value: \"PodCIDR\": supported values: \"BridgeInterface\", \"ClusterCIDR\", \"InterfaceNamePrefix\", \"NodeCIDR\""),
    BadInput("bridge detector without a bridge",
             "apiVersion: kubeproxy.config.k8s.io/v1alpha1\nkind: KubeProxyConfiguration\ndetectLocalMode: BridgeInterface\n",
             "cluster.yaml: KubeProxyConfiguration: detectLocal.bridgeInterface: Required value: must not be empty when detectLocalMode is BridgeInterface"),
    BadInput("bad cluster CIDR",
             "apiVersion: kubeproxy.config.k8s.io/v1alpha1\nkind: KubeProxyConfiguration\nclusterCIDR: 10.244.0.0/16,10.245.0.0\n",
             "cluster.yaml: KubeProxyConfiguration: clusterCIDR: Invalid value: \"10.245.0.0\": " + cidrMessage),
    BadInput("another proxy mode",
             "apiVersion: kubeproxy.config.k8s.io/v1alpha1\nkind: KubeProxyConfiguration\nmode: ipvs\n",
             "cluster.yaml: KubeProxyConfiguration: mode: Unsupported value: \"ipvs\": supported values: \"iptables\", \"nftables\""),
    BadInput("service CIDR without ranges",
             "apiVersion: networking.k8s.io/v1\nkind: ServiceCIDR\nmetadata:\n  name: kubernetes\nspec: {}\n",
             "cluster.yaml: ServiceCIDR kubernetes: spec.cidrs: Required value"),
    BadInput("service CIDR with two ranges of one family",
             "apiVersion: networking.k8s.io/v1\nkind: ServiceCIDR\nmetadata:\n  name: kubernetes\nspec:\n  cidrs: [10.96.0.0/16, 10.97.0.0/16]\n",
             "cluster.yaml: ServiceCIDR kubernetes: spec.cidrs[1]: Invalid value: \"10.97.0.0/16\": must be of the other IP family than `cidrs[0]`"),
    BadInput("service CIDR that is no range",
             "apiVersion: networking.k8s.io/v1\nkind: ServiceCIDR\nmetadata:\n  name: kubernetes\nspec:\n  cidrs: [10.96.0.0]\n",
             "cluster.yaml: ServiceCIDR kubernetes: spec.cidrs[0]: Invalid value: \"10.96.0.0\": " + cidrMessage),
    BadInput("bad sync period",
             "apiVersion: kubeproxy.config.k8s.io/v1alpha1\nkind: KubeProxyConfiguration\niptables:\n  syncPeriod: 30 seconds\n",
             "cluster.yaml: KubeProxyConfiguration: iptables.syncPeriod: Invalid value: \"30 seconds\": must be a duration such as \"30s\" or \"1m0s\""),

    // Ingress
    BadInput("ingress path without a type",
             "apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata:\n  name: web\n  namespace: prod\nspec:\n  rules:\n  - http:\n      paths:\n      - path: /\n        backend:\n          service:\n            name: api\n            port:\n              number: 80\n",
             "cluster.yaml: Ingress prod/web: spec.rules[0].http.paths[0].pathType: Required value: pathType must be specified"),
    BadInput("ingress path of an unknown type",
             "apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata:\n  name: web\n  namespace: prod\nspec:\n  rules:\n  - http:\n      paths:\n      - path: /\n        pathType: Regex\n        backend:\n          service:\n            name: api\n            port:\n              number: 80\n",
             "cluster.yaml: Ingress prod/web: spec.rules[0].http.paths[0].pathType: Unsupported value: \"Regex\": supported values: \"Exact\", \"ImplementationSpecific\", \"Prefix\""),
    BadInput("relative ingress path",
             "apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata:\n  name: web\n  namespace: prod\nspec:\n  rules:\n  - http:\n      paths:\n      - path: api\n        pathType: Prefix\n        backend:\n          service:\n            name: api\n            port:\n              number: 80\n",
             "cluster.yaml: Ingress prod/web: spec.rules[0].http.paths[0].path: Invalid value: \"api\": must be an absolute path"),
    BadInput("ingress path with a double slash",
             "apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata:\n  name: web\n  namespace: prod\nspec:\n  rules:\n  - http:\n      paths:\n      - path: /api//v1\n        pathType: Exact\n        backend:\n          service:\n            name: api\n            port:\n              number: 80\n",
             "cluster.yaml: Ingress prod/web: spec.rules[0].http.paths[0].path: Invalid value: \"/api//v1\": must not contain '//'"),
    BadInput("ingress host that is an IP",
             "apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata:\n  name: web\n  namespace: prod\nspec:\n  rules:\n  - host: 192.0.2.10\n    http:\n      paths:\n      - path: /\n        pathType: Prefix\n        backend:\n          service:\n            name: api\n            port:\n              number: 80\n",
             "cluster.yaml: Ingress prod/web: spec.rules[0].host: Invalid value: \"192.0.2.10\": must be a DNS name, not an IP address"),
    BadInput("ingress backend with both service and resource",
             "apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata:\n  name: web\n  namespace: prod\nspec:\n  defaultBackend:\n    service:\n      name: api\n      port:\n        number: 80\n    resource:\n      kind: Bucket\n      name: static\n",
             "cluster.yaml: Ingress prod/web: spec.defaultBackend: Invalid value: \"service+resource\": cannot set both service and resource backends"),
    BadInput("ingress with neither rules nor default backend",
             "apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata:\n  name: web\n  namespace: prod\nspec:\n  ingressClassName: nginx\n",
             "cluster.yaml: Ingress prod/web: spec: Invalid value: \"{}\": either `defaultBackend` or `rules` must be specified"),

    // Secret (TLS): the value is never shown.
    BadInput("TLS secret without a key",
             "apiVersion: v1\nkind: Secret\nmetadata:\n  name: web-tls\n  namespace: prod\ntype: kubernetes.io/tls\ndata:\n  tls.crt: Y2VydA==\n",
             "cluster.yaml: Secret prod/web-tls: data[tls.key]: Required value"),
    BadInput("TLS secret value that is not base64",
             "apiVersion: v1\nkind: Secret\nmetadata:\n  name: web-tls\n  namespace: prod\ntype: kubernetes.io/tls\ndata:\n  tls.crt: Y2VydA==\n  tls.key: not*base64\n",
             "cluster.yaml: Secret prod/web-tls: data[tls.key]: Invalid value: \"(not shown)\": must be base64-encoded"),

    // Several problems: all of them are reported.
    BadInput("every problem of every object",
             service("  type: Internal\n  ports:\n  - port: 70000\n") + "\n---\n" + slice(oneEndpoint, labels: "    app: api\n"),
             svc + "spec.type: Unsupported value: \"Internal\": supported values: \"ClusterIP\", \"ExternalName\", \"LoadBalancer\", \"NodePort\"",
             svc + "spec.ports[0].port: Invalid value: 70000: must be between 1 and 65535, inclusive",
             eps + "metadata.labels[kubernetes.io/service-name]: Required value: an EndpointSlice must name its Service; without it no proxy uses the slice"),
]

@Suite struct BadInputTests {
    @Test(arguments: badInputs)
    func reportsTheExactMessage(_ input: BadInput) {
        #expect(problems(input.yaml) == input.expected)
    }

    @Test func thereAreAtLeastFortyCases() {
        #expect(badInputs.count >= 40)
    }

    @Test func anInvalidObjectIsNeverHalfUsed() {
        // A valid Service beside an invalid one: nothing is returned at all.
        let yaml = service(port80) + "\n---\n" + service("  ports:\n  - port: 70000\n", name: "web")
        #expect(throws: ManifestErrors.self) {
            try ManifestLoader.load(bytes: Array(yaml.utf8), file: "cluster.yaml")
        }
    }
}
