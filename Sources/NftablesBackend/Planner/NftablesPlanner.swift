import ProxyCore
import ServiceModel

/// Plans the table kube-proxy's nftables mode would keep for one IP family: the fixed
/// chains, sets and maps, and every service port's chains and elements, in a deterministic
/// order (service ports sorted as the catalog sorts them).
///
/// ```swift
/// let planner = NftablesPlanner(settings: ProxySettings(configuration: config, node: node, family: .ipv4))
/// let ruleset = planner.plan(catalog)
/// print(NftTransaction.creating(ruleset).text)
/// ```
public struct NftablesPlanner: Sendable {
    public var settings: ProxySettings
    /// The cluster's service ranges (ServiceCIDR objects); unknown when empty.
    public var serviceCIDRs: [IPPrefix]

    public init(settings: ProxySettings, serviceCIDRs: [IPPrefix] = []) {
        self.settings = settings
        self.serviceCIDRs = serviceCIDRs
    }

    /// The whole table for a catalog.
    public func plan(_ catalog: ServiceCatalog) -> NftRuleset {
        assemble(servicePortObjects(catalog))
    }

    /// The whole table for a catalog, port by port: what ``NftTableSyncer`` syncs and
    /// later changes by difference.
    public func state(_ catalog: ServiceCatalog) -> NftTableState {
        NftTableState(fixed: fixedTable, ports: servicePortObjects(catalog))
    }

    /// The chains, sets and maps every table has, before any service port's.
    public var fixedTable: NftRuleset { NftFixedTable.make(settings: settings, serviceCIDRs: serviceCIDRs) }

    /// Every service port's objects, in catalog order; ports without a cluster IP of the
    /// family are left out.
    public func servicePortObjects(_ catalog: ServiceCatalog) -> [NftServicePortObjects] {
        catalog.servicePorts.compactMap { NftServicePortObjects.plan($0, settings: settings) }
    }

    /// The fixed table with `ports` put in: their chains after the fixed ones, their
    /// affinity sets after the fixed sets, their elements into the shared sets and maps.
    public func assemble(_ ports: [NftServicePortObjects]) -> NftRuleset {
        var ruleset = fixedTable
        let setIndex = Dictionary(uniqueKeysWithValues: ruleset.sets.enumerated().map { ($0.element.name, $0.offset) })
        let mapIndex = Dictionary(uniqueKeysWithValues: ruleset.maps.enumerated().map { ($0.element.name, $0.offset) })
        for port in ports {
            ruleset.chains += port.chains
            for (name, elements) in port.setElements {
                if let index = setIndex[name] { ruleset.sets[index].elements += elements }
            }
            for (name, elements) in port.mapElements {
                if let index = mapIndex[name] { ruleset.maps[index].elements += elements }
            }
        }
        ruleset.sets += ports.flatMap(\.affinitySets)
        return ruleset
    }
}
