import ServiceModel

/// Keeps a plan and its per-service-port parts, so a change to some service ports is planned
/// in time proportional to the change: only those ports are planned again, only the chains
/// whose rules differ are reported, and the shared dispatch chains are rebuilt only when a
/// port's capture rules changed. The ruleset it holds is always the one
/// ``RulePlanner/plan(_:)`` would give for the same catalog.
///
/// It keeps the rules planned for each port, not the ports' endpoints: whoever feeds it
/// changes holds those already (a node agent's object store), and hands them over again in
/// the rare step that needs every port (see ``update(_:removed:allPorts:)``).
public struct IncrementalPlanner: Sendable {
    public let planner: RulePlanner
    /// The current plan.
    public private(set) var ruleset: Ruleset

    private var parts: [ServicePortName: ServicePortRules] = [:]
    /// Planned ports in ServicePortName order.
    private var order: [ServicePortName] = []
    /// The endpoints of the planner's family each port has, and their sum: past
    /// ``RulePlanner/largeClusterEndpointThreshold`` endpoint rules lose their comments.
    private var endpointCounts: [ServicePortName: Int] = [:]
    private var endpointTotal = 0
    private var largeCluster = false
    /// Each planned port's place in `order`.
    private var position: [ServicePortName: Int] = [:]
    /// Chain counts per port, in `order`, as a Fenwick tree: where a port's block of chains
    /// starts in the nat table is a prefix sum, found and updated in O(log n).
    private var blockSizes = FenwickTree(count: 0)
    /// The nat table's fixed chains before the per-service ones.
    private static let fixedNatChains = 4

    /// Plans `catalog` in full.
    public init(planner: RulePlanner, catalog: ServiceCatalog) {
        self.planner = planner
        self.ruleset = Ruleset(family: planner.settings.family, tables: [])
        for entry in catalog.servicePorts { count(entry) }
        largeCluster = endpointTotal > RulePlanner.largeClusterEndpointThreshold
        replanAll(catalog.servicePorts)
    }

    private mutating func count(_ entry: ServicePortEndpoints) {
        let family = planner.settings.family
        let count = entry.service.clusterIP(for: family) == nil ? 0 : entry.endpoints.count { $0.address.family == family }
        endpointTotal += count - (endpointCounts[entry.name] ?? 0)
        endpointCounts[entry.name] = count
    }

    private mutating func forget(_ name: ServicePortName) {
        endpointTotal -= endpointCounts[name] ?? 0
        endpointCounts[name] = nil
    }

    private mutating func replanAll(_ ports: [ServicePortEndpoints]) {
        parts = [:]
        for entry in ports {
            if let rules = ServicePortRules.plan(entry, settings: planner.settings, largeCluster: largeCluster) {
                parts[entry.name] = rules
            }
        }
        reassemble()
    }

    private mutating func reassemble() {
        order = parts.keys.sorted()
        position = Dictionary(uniqueKeysWithValues: order.enumerated().map { ($1, $0) })
        blockSizes = FenwickTree(order.map { parts[$0]!.chains.count })
        ruleset = planner.assemble(order.map { parts[$0]! })
    }

    /// Plans the change: `changed` are the new states of service ports (new or updated),
    /// `removed` the ports that are gone. Returns the chains to write and delete.
    ///
    /// `allPorts` gives every port's new state (the full catalog's ports, `changed` among
    /// them); it is called only when the change moves the cluster across the large-cluster
    /// threshold, where every endpoint rule's comment comes or goes.
    public mutating func update(_ changed: [ServicePortEndpoints], removed: [ServicePortName] = [],
                                allPorts: () -> [ServicePortEndpoints]) -> RulesetChanges {
        for name in removed { forget(name) }
        for entry in changed { count(entry) }
        let nowLarge = endpointTotal > RulePlanner.largeClusterEndpointThreshold
        if nowLarge != largeCluster {
            largeCluster = nowLarge
            let before = ruleset
            replanAll(allPorts())
            return ruleset.diff(from: before)
        }
        let changedByName = Dictionary(changed.map { ($0.name, $0) }, uniquingKeysWith: { _, last in last })
        var written: Set<ChainName> = []
        var deleted: Set<ChainName> = []
        var dispatchChanged = false
        // Planned through copies of the settings: a closure capturing `self` would copy the
        // whole plan, and the splice below would then copy the nat table to write into it.
        let (settings, largeCluster) = (planner.settings, largeCluster)
        for name in Set(changedByName.keys).union(removed) {
            let old = parts[name]
            let new = changedByName[name].flatMap { ServicePortRules.plan($0, settings: settings, largeCluster: largeCluster) }
            if old?.natServices != new?.natServices || old?.natNodePorts != new?.natNodePorts
                || old?.filterServices != new?.filterServices || old?.filterExternalServices != new?.filterExternalServices
                || old?.filterNodePorts != new?.filterNodePorts || old?.filterProxyFirewall != new?.filterProxyFirewall {
                dispatchChanged = true
            }
            var oldChains: [ChainName: [Rule]] = [:]
            for chain in old?.chains ?? [] { oldChains[chain.name] = chain.rules }
            for chain in new?.chains ?? [] where oldChains[chain.name] != chain.rules {
                written.insert(chain.name)
            }
            let newNames = Set((new?.chains ?? []).map(\.name))
            for chain in old?.chains ?? [] where !newNames.contains(chain.name) {
                deleted.insert(chain.name)
            }
            if (old == nil) != (new == nil) { dispatchChanged = true }
            parts[name] = new
        }
        if dispatchChanged {
            // The shared chains follow the ports' capture rules: assemble again.
            let before = ruleset
            reassemble()
            return ruleset.diff(from: before)
        }
        // Only per-service chains changed: splice each port's block of chains in place.
        if let nat = ruleset.tables.firstIndex(where: { $0.table == .nat }) {
            for name in changedByName.keys {
                guard let index = position[name] else { continue }
                let start = Self.fixedNatChains + blockSizes.prefixSum(index)
                let oldCount = blockSizes.value(at: index)
                let newChains = parts[name]?.chains ?? []
                ruleset.tables[nat].chains.replaceSubrange(start..<(start + oldCount), with: newChains)
                blockSizes.add(newChains.count - oldCount, at: index)
            }
        }
        var tables: [RulesetChanges.TableChanges] = []
        for table in ruleset.tables.sorted(by: { $0.table.applyOrder < $1.table.applyOrder }) {
            tables.append(RulesetChanges.TableChanges(table: table.table,
                                                      written: table.table == .nat ? written.sorted() : [],
                                                      deleted: table.table == .nat ? deleted.sorted() : []))
        }
        return RulesetChanges(family: ruleset.family, tables: tables)
    }
}

/// Prefix sums over a list of counts that change one at a time.
struct FenwickTree: Sendable {
    private var tree: [Int]
    private var values: [Int]

    init(count: Int) {
        tree = Array(repeating: 0, count: count + 1)
        values = Array(repeating: 0, count: count)
    }

    init(_ values: [Int]) {
        self.init(count: values.count)
        for (index, value) in values.enumerated() { add(value, at: index) }
    }

    func value(at index: Int) -> Int { values[index] }

    /// The sum of the values before `index`.
    func prefixSum(_ index: Int) -> Int {
        var sum = 0
        var node = index
        while node > 0 {
            sum += tree[node]
            node -= node & -node
        }
        return sum
    }

    mutating func add(_ delta: Int, at index: Int) {
        values[index] += delta
        var node = index + 1
        while node < tree.count {
            tree[node] += delta
            node += node & -node
        }
    }
}
