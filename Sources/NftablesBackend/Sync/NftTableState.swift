import ServiceModel

/// The `kube-proxy` table of one family as this process last committed it, service port by
/// service port: what lets a sync write only the difference, as kube-proxy's partial syncs
/// do. Unchanged ports' chains are not touched, the shared sets and maps change element by
/// element, and chains no port wants any more are flushed now and deleted by a sync at least
/// ``staleChainGrace`` later.
///
/// ```swift
/// var state = NftTableState(fixed: NftFixedTable.make(settings: settings), ports: planner.servicePortObjects(catalog))
/// try applier.apply(state.creatingTransactions().first!)
/// let change = state.update([name: NftServicePortObjects.plan(entry, settings: settings)], now: .now)
/// try applier.apply(change)
/// ```
public struct NftTableState: Hashable, Sendable {
    /// How long a flushed chain is kept before a sync deletes it: before kernel 6.2 a chain
    /// a removed map element pointed to stays referenced for a moment.
    public static let staleChainGrace: Duration = .seconds(1)

    /// The fixed chains, sets and maps, without any service port's elements.
    public private(set) var fixed: NftRuleset
    public private(set) var ports: [ServicePortName: NftServicePortObjects] = [:]
    /// How many ports put each address in each shared set.
    private var setElements: [String: [IPAddress: Int]] = [:]
    /// Each shared map's elements by key, every port's in port order (the first one is in
    /// the kernel; two ports with one key are a conflict the API should have refused).
    private var mapElements: [String: [NftMap.ElementKey: [NftMap.Element]]] = [:]
    /// Service-port chains a sync flushed because no port wants them, with when.
    public private(set) var staleChains: [String: ContinuousClock.Instant] = [:]

    public var family: IPFamily { fixed.family }

    /// The table holding `fixed` and every port in `ports`.
    public init(fixed: NftRuleset, ports: [NftServicePortObjects]) {
        self.fixed = fixed
        var untracked: [ElementSlot: ElementValue?] = [:]
        for port in ports {
            self.ports[port.name] = port
            add(port, touching: &untracked)
        }
    }

    /// The whole table as one ruleset, ports in name order: what a full sync writes.
    public var ruleset: NftRuleset {
        var ruleset = fixed
        let ordered = ports.values.sorted { $0.name < $1.name }
        for port in ordered { ruleset.chains += port.chains }
        for index in ruleset.sets.indices {
            ruleset.sets[index].elements += (setElements[ruleset.sets[index].name] ?? [:]).keys.sorted()
        }
        for index in ruleset.maps.indices {
            let elements = (mapElements[ruleset.maps[index].name] ?? [:]).values.compactMap(\.first)
            ruleset.maps[index].elements += elements.sorted { $0.keyText < $1.keyText }
        }
        ruleset.sets += ordered.flatMap(\.affinitySets)
        return ruleset
    }

    /// Replaces the ports named in `changes` (`nil`: the port is gone) and returns the one
    /// transaction that takes the kernel's table from the state before to the state after:
    /// new chains declared, changed chains flushed and written, elements deleted and added by
    /// difference, chains no longer wanted flushed (and remembered as stale from `now`),
    /// affinity sets no longer wanted deleted.
    public mutating func update(_ changes: [ServicePortName: NftServicePortObjects?],
                                now: ContinuousClock.Instant) -> NftTransaction {
        var difference = NftPortDifference()
        for (name, new) in changes.sorted(by: { $0.key < $1.key }) {
            let old = ports[name]
            guard old != new else { continue }
            if let old { remove(old, touching: &difference.elements) }
            if let new { add(new, touching: &difference.elements) }
            ports[name] = new
            difference.compare(old, new)
        }
        for chain in difference.staleChains { staleChains[chain] = now }
        for chain in difference.writtenChains { staleChains[chain.name] = nil }
        return difference.transaction(family: family) { effective($0) }
    }

    /// The commands deleting the stale chains flushed at least ``staleChainGrace`` before
    /// `now`, in a transaction of their own (kube-proxy's order: a refusal must not cost the
    /// sync); `nil` when there are none. Call ``deleted(_:)`` once it is applied.
    public func staleChainDeletion(now: ContinuousClock.Instant) -> NftTransaction? {
        let due = staleChains.filter { now - $0.value >= Self.staleChainGrace }.keys.sorted()
        guard !due.isEmpty else { return nil }
        return NftTransaction(family: family, commands: due.map { .deleteChain($0) })
    }

    /// Forgets the stale chains a transaction from ``staleChainDeletion(now:)`` deleted.
    public mutating func deleted(_ transaction: NftTransaction) {
        for case .deleteChain(let name) in transaction.commands { staleChains[name] = nil }
    }

    /// Remembers chains found in the kernel that no port wants (a full sync flushed them).
    public mutating func noteStale(_ chains: [String], now: ContinuousClock.Instant) {
        for chain in chains where staleChains[chain] == nil { staleChains[chain] = now }
    }

    // MARK: - Elements

    /// An element of a shared set or map, as the difference tracks it.
    enum ElementSlot: Hashable {
        case set(String, IPAddress)
        case map(String, NftMap.ElementKey)
    }

    /// What the kernel holds (or will) at a slot: the set's address, the map's element.
    enum ElementValue: Hashable {
        case present
        case mapElement(NftMap.Element)
    }

    func effective(_ slot: ElementSlot) -> ElementValue? {
        switch slot {
        case .set(let name, let address):
            (setElements[name]?[address] ?? 0) > 0 ? .present : nil
        case .map(let name, let key):
            mapElements[name]?[key]?.first.map { .mapElement($0) }
        }
    }

    /// Counts `port`'s elements in, noting each slot's value before its first change.
    private mutating func add(_ port: NftServicePortObjects, touching touched: inout [ElementSlot: ElementValue?]) {
        for (set, addresses) in port.setElements {
            for address in addresses {
                note(.set(set, address), in: &touched)
                setElements[set, default: [:]][address, default: 0] += 1
            }
        }
        for (map, elements) in port.mapElements {
            for element in elements {
                note(.map(map, element.key), in: &touched)
                mapElements[map, default: [:]][element.key, default: []].append(element)
            }
        }
    }

    /// Counts `port`'s elements out, noting each slot's value before its first change.
    private mutating func remove(_ port: NftServicePortObjects, touching touched: inout [ElementSlot: ElementValue?]) {
        for (set, addresses) in port.setElements {
            for address in addresses {
                note(.set(set, address), in: &touched)
                let count = (setElements[set]?[address] ?? 1) - 1
                setElements[set]?[address] = count > 0 ? count : nil
            }
        }
        for (map, elements) in port.mapElements {
            for element in elements {
                note(.map(map, element.key), in: &touched)
                guard var list = mapElements[map]?[element.key], let index = list.firstIndex(of: element) else { continue }
                list.remove(at: index)
                mapElements[map]?[element.key] = list.isEmpty ? nil : list
            }
        }
    }

    private func note(_ slot: ElementSlot, in touched: inout [ElementSlot: ElementValue?]) {
        if touched[slot] == nil { touched[slot] = .some(effective(slot)) }
    }
}
