/// The names of the table's fixed chains, sets and maps, as kube-proxy's nftables mode
/// names them. Written here once; planner, renderer and tracer use these.
public enum NftFixedNames {
    // Base chains: `type-hook`, plus the filter chain that runs after DNAT on output.
    public static let filterPrerouting = "filter-prerouting"
    public static let filterInput = "filter-input"
    public static let filterForward = "filter-forward"
    public static let filterOutput = "filter-output"
    public static let filterOutputPostDNAT = "filter-output-post-dnat"
    public static let natPrerouting = "nat-prerouting"
    public static let natOutput = "nat-output"
    public static let natPostrouting = "nat-postrouting"

    // Regular chains the base chains jump to, and their helpers.
    public static let services = "services"
    public static let serviceEndpointsCheck = "service-endpoints-check"
    public static let nodePortEndpointsCheck = "nodeport-endpoints-check"
    public static let firewallCheck = "firewall-check"
    public static let clusterIPsCheck = "cluster-ips-check"
    public static let masquerading = "masquerading"
    public static let markForMasquerade = "mark-for-masquerade"
    public static let rejectChain = "reject-chain"

    // Sets and maps.
    public static let clusterIPs = "cluster-ips"
    public static let nodePortIPs = "nodeport-ips"
    public static let serviceIPs = "service-ips"
    public static let serviceNodePorts = "service-nodeports"
    public static let noEndpointServices = "no-endpoint-services"
    public static let noEndpointNodePorts = "no-endpoint-nodeports"
    public static let firewallIPs = "firewall-ips"
}
