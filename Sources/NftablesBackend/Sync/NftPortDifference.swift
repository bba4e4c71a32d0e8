import ServiceModel

/// What one ``NftTableState/update(_:now:)`` changes, gathered port by port and then put in
/// an order the kernel accepts: declarations before the rules and elements that name them,
/// element deletions before additions (a key whose verdict changed), flushes of chains no
/// longer wanted after the elements that pointed to them are gone, affinity sets last.
struct NftPortDifference {
    /// Chains no earlier state had: declared, then written.
    var declaredChains: [NftChain] = []
    /// New and changed chains: flushed, then written.
    var writtenChains: [NftChain] = []
    /// Chains of the old ports the new ones do not have.
    var staleChains: [String] = []
    var addedSets: [NftSet] = []
    var deletedSets: [String] = []
    /// Every element slot a changed port touched, with what it held before.
    var elements: [NftTableState.ElementSlot: NftTableState.ElementValue?] = [:]

    /// Notes how one port's chains and affinity sets changed.
    mutating func compare(_ old: NftServicePortObjects?, _ new: NftServicePortObjects?) {
        let oldChains = Dictionary((old?.chains ?? []).map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        let newChainNames = Set((new?.chains ?? []).map(\.name))
        for chain in new?.chains ?? [] {
            guard let before = oldChains[chain.name] else {
                declaredChains.append(chain)
                writtenChains.append(chain)
                continue
            }
            if before != chain { writtenChains.append(chain) }
        }
        staleChains += (old?.chains ?? []).map(\.name).filter { !newChainNames.contains($0) }
        let oldSets = Set((old?.affinitySets ?? []).map(\.name)), newSets = Set((new?.affinitySets ?? []).map(\.name))
        addedSets += (new?.affinitySets ?? []).filter { !oldSets.contains($0.name) }
        deletedSets += oldSets.subtracting(newSets).sorted()
    }

    /// The transaction, given what each touched element slot holds now.
    func transaction(family: IPFamily,
                     effective: (NftTableState.ElementSlot) -> NftTableState.ElementValue?) -> NftTransaction {
        var commands: [NftCommand] = declaredChains.map { .addChain($0) }
        commands += addedSets.map { .addSet($0) }
        for chain in writtenChains {
            commands.append(.flushChain(chain.name))
            commands += chain.rules.map { .addRule(chain: chain.name, $0) }
        }
        var additions: [NftCommand] = []
        for (slot, before) in elements.sorted(by: { $0.key.sortKey < $1.key.sortKey }) {
            let after = effective(slot)
            guard before != after else { continue }
            if let before { commands.append(slot.deletion(of: before)) }
            if let after { additions.append(slot.addition(of: after)) }
        }
        commands += additions
        commands += staleChains.map { .flushChain($0) }
        commands += deletedSets.map { .deleteSet($0) }
        return NftTransaction(family: family, commands: commands)
    }
}

extension NftTableState.ElementSlot {
    /// Orders a transaction's element commands the same way every time.
    var sortKey: String {
        switch self {
        case .set(let name, let address): "\(name) \(address)"
        case .map(let name, let key): "\(name) \(NftMap.Element(address: key.address, protocol: key.protocol, port: key.port, verdict: .drop).keyText)"
        }
    }

    func deletion(of value: NftTableState.ElementValue) -> NftCommand {
        switch self {
        case .set(let name, let address): .deleteSetElement(set: name, address)
        case .map(let name, _): .deleteMapElement(map: name, value.mapElement)
        }
    }

    func addition(of value: NftTableState.ElementValue) -> NftCommand {
        switch self {
        case .set(let name, let address): .addSetElement(set: name, address)
        case .map(let name, _): .addMapElement(map: name, value.mapElement)
        }
    }
}

extension NftTableState.ElementValue {
    /// The map element a map slot holds (``NftTableState/effective(_:)`` gives a map slot
    /// nothing else).
    var mapElement: NftMap.Element {
        guard case .mapElement(let element) = self else { preconditionFailure("a map slot holds a map element") }
        return element
    }
}
