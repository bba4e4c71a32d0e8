import ServiceModel

/// The commands one sync sends to the kernel as a single nft transaction: all of them take
/// effect, or none.
public struct NftTransaction: Hashable, Sendable {
    public var family: IPFamily
    public var commands: [NftCommand]

    public init(family: IPFamily, commands: [NftCommand] = []) {
        self.family = family
        self.commands = commands
    }

    /// The commands that create `ruleset` in an empty table: its state as `add` commands,
    /// declarations before the rules and elements that refer to them.
    public static func creating(_ ruleset: NftRuleset) -> NftTransaction {
        var transaction = NftTransaction(family: ruleset.family, commands: [.addTable])
        transaction.commands += ruleset.chains.map { .addChain($0) }
        transaction.commands += ruleset.sets.map { .addSet($0) }
        transaction.commands += ruleset.maps.map { .addMap($0) }
        transaction.addContents(of: ruleset)
        return transaction
    }

    /// The transactions that create `state`'s table where there is none: the fixed table and
    /// the first ports in the first, then `portsPerTransaction` ports in each, every port
    /// whole (its chains, affinity sets and elements), so each transaction leaves every
    /// port either complete or not there yet. One transaction for a large table would cost
    /// the kernel time quadratic in its number of anonymous `numgen` maps (each one's
    /// binding walks the whole transaction); parts keep that bounded.
    public static func creating(_ state: NftTableState, portsPerTransaction: Int) -> [NftTransaction] {
        let first = creating(state.fixed)
        let ports = state.ports.values.sorted { $0.name < $1.name }
        var transactions: [NftTransaction] = []
        for start in stride(from: 0, to: max(ports.count, 1), by: max(portsPerTransaction, 1)) {
            var part = transactions.isEmpty ? first : NftTransaction(family: state.family)
            for port in ports[start..<min(ports.count, start + max(portsPerTransaction, 1))] {
                part.addWhole(port, of: state)
            }
            transactions.append(part)
        }
        return transactions
    }

    /// One port's chains with their rules, its affinity sets, and the elements it puts in
    /// the shared sets and maps (those the state holds for it).
    private mutating func addWhole(_ port: NftServicePortObjects, of state: NftTableState) {
        commands += port.chains.map { .addChain($0) }
        commands += port.affinitySets.map { .addSet($0) }
        for chain in port.chains {
            commands += chain.rules.map { .addRule(chain: chain.name, $0) }
        }
        for (set, addresses) in port.setElements.sorted(by: { $0.key < $1.key }) {
            commands += addresses.map { .addSetElement(set: set, $0) }
        }
        for (map, elements) in port.mapElements.sorted(by: { $0.key < $1.key }) {
            for element in elements where state.effective(.map(map, element.key)) == .mapElement(element) {
                commands.append(.addMapElement(map: map, element))
            }
        }
    }

    /// A full sync, as kube-proxy writes one: every chain declared and flushed, every
    /// set and map declared and flushed, then every rule and element written afresh.
    ///
    /// - Parameters:
    ///   - installed: the table's chains and sets now (from the kernel); service-port
    ///     chains no longer planned are flushed (deleted at a later sync: before kernel 6.2
    ///     a chain a map element pointed to stays busy for a while), affinity sets no longer
    ///     planned are deleted.
    ///   - recreatingBaseChains: add and delete the base chains first, so a base chain whose
    ///     hook or priority changed is made again (kube-proxy does this on its first sync).
    public static func fullSync(_ desired: NftRuleset, installed: NftInstalledNames,
                                recreatingBaseChains: Bool) -> NftTransaction {
        var transaction = NftTransaction(family: desired.family, commands: [.addTable])
        if recreatingBaseChains {
            for chain in desired.chains where chain.hook != nil {
                transaction.commands += [.addChain(NftChain(chain.name)), .deleteChain(chain.name)]
            }
        }
        for chain in desired.chains {
            transaction.commands += [.addChain(chain), .flushChain(chain.name)]
        }
        for set in desired.sets {
            transaction.commands.append(.addSet(set))
            if !set.isDynamic { transaction.commands.append(.flushSet(set.name)) }
        }
        // A fixed set no longer wanted (nodeport-ips when every address takes NodePorts):
        // added first, so deleting it cannot fail for want of it.
        for name in [NftFixedNames.nodePortIPs] where desired.set(named: name) == nil {
            transaction.commands += [.addSet(NftSet(name)), .deleteSet(name)]
        }
        for map in desired.maps {
            transaction.commands += [.addMap(map), .flushMap(map.name)]
        }
        transaction.addContents(of: desired)
        transaction.removeStale(installed, keeping: desired)
        return transaction
    }

    /// ``fullSync(_:installed:recreatingBaseChains:)`` of `state` in parts, for a table
    /// that exists: the first part holds the declarations, the fixed chains, every set's and
    /// map's elements and the first `portsPerTransaction` ports' chains; each later part
    /// flushes and writes the chains of as many more ports; the last also flushes the
    /// chains and deletes the affinity sets no port wants. A port's chains change in one
    /// part, so each keeps its old rules or has its new ones; a port new since the table was
    /// written has empty chains until its part comes (its packets pass unchanged meanwhile,
    /// as before it existed). One transaction would cost the kernel time quadratic in the
    /// number of anonymous `numgen` maps.
    public static func fullSync(_ state: NftTableState, installed: NftInstalledNames, recreatingBaseChains: Bool,
                                portsPerTransaction: Int) -> [NftTransaction] {
        let whole = fullSync(state.ruleset, installed: installed, recreatingBaseChains: recreatingBaseChains)
        let ports = state.ports.values.sorted { $0.name < $1.name }
        let size = max(portsPerTransaction, 1)
        var partOfChain: [String: Int] = [:]
        for (index, port) in ports.enumerated() {
            for chain in port.chains { partOfChain[chain.name] = index / size }
        }
        var parts = [NftTransaction](repeating: NftTransaction(family: state.family), count: max(1, (ports.count + size - 1) / size))
        for command in whole.commands {
            switch command {
            // What no port wants goes last: until its part, a port may still use it.
            case .flushChain(let name) where partOfChain[name] == nil && NftChain(name).isServicePortChain:
                parts[parts.count - 1].commands.append(command)
            case .deleteSet:
                parts[parts.count - 1].commands.append(command)
            case .flushChain(let name), .addRule(let name, _):
                parts[partOfChain[name] ?? 0].commands.append(command)
            default:
                parts[0].commands.append(command)
            }
        }
        return parts.filter { !$0.commands.isEmpty }
    }

    /// The rules of every chain and the elements of every set and map.
    private mutating func addContents(of ruleset: NftRuleset) {
        for chain in ruleset.chains {
            commands += chain.rules.map { .addRule(chain: chain.name, $0) }
        }
        for set in ruleset.sets {
            commands += set.elements.map { .addSetElement(set: set.name, $0) }
        }
        for map in ruleset.maps {
            commands += map.elements.map { .addMapElement(map: map.name, $0) }
        }
    }

    /// Flushes the installed service-port chains `desired` has no more, and deletes its
    /// affinity sets.
    mutating func removeStale(_ installed: NftInstalledNames, keeping desired: NftRuleset) {
        let chains = Set(desired.chains.map(\.name)), sets = Set(desired.sets.map(\.name))
        for name in installed.chains.sorted() where NftChain(name).isServicePortChain && !chains.contains(name) {
            commands.append(.flushChain(name))
        }
        for name in installed.sets.sorted() where name.hasPrefix(NftChainName.affinityPrefix) && !sets.contains(name) {
            commands.append(.deleteSet(name))
        }
    }
}
