import ServiceModel

/// How KUBE-SERVICES finds the rule of a packet's destination.
public enum ServiceDispatch: String, Hashable, Sendable, CaseIterable {
    /// One rule per service IP and port in KUBE-SERVICES, as kube-proxy writes it: a new
    /// connection is checked against every rule before its own, O(services).
    case linear
    /// KUBE-SERVICES split by destination prefix into a binary tree of small chains: a new
    /// connection meets two prefix rules per level and a short leaf, O(log services).
    case tree
}

/// Splits a dispatch chain whose rules all match one destination host into a tree of chains
/// by destination prefix.
///
/// The rules are grouped by address and the group split at the first bit where the
/// addresses differ; a side with more than ``leafSize`` rules becomes a chain named
/// `KPROXY-SVCS-<hash of its prefix>`, reached by `-d <prefix> -j` that chain, and is split
/// again. Every rule keeps its place relative to the rules that can match the same packets
/// (those for the same address), and a packet that matches nothing in the tree returns to
/// the rule after it, so every packet gets the same outcome as in the linear chain.
enum DispatchTree {
    /// The most rules a leaf holds before it is split.
    static let leafSize = 8

    /// The name prefix of tree chains.
    static let chainPrefix: StaticString = "KPROXY-SVCS-"

    /// The rules that replace `rules` in the chain, and the tree's chains; `nil` when a rule
    /// does not match exactly one destination host, or the rules are too few to split.
    static func split(_ rules: [Rule], family: IPFamily) -> (rules: [Rule], chains: [Chain])? {
        guard rules.count > leafSize else { return nil }
        var keyed: [(key: AddressKey, index: Int)] = []
        keyed.reserveCapacity(rules.count)
        for (index, rule) in rules.enumerated() {
            guard let address = rule.destinationHost, address.family == family else { return nil }
            keyed.append((AddressKey(address), index))
        }
        keyed.sort { ($0.key, $0.index) < ($1.key, $1.index) }
        var chains: [Chain] = []
        let top = node(keyed[...], rules: rules, family: family, chains: &chains)
        return (top, chains)
    }

    /// The rules for `items` (sorted by address): the capture rules themselves when few (or
    /// all for one address), else a prefix jump (or the rules, for a small side) for each
    /// side of the first bit where the addresses differ.
    private static func node(_ items: ArraySlice<(key: AddressKey, index: Int)>, rules: [Rule],
                             family: IPFamily, chains: inout [Chain]) -> [Rule] {
        let width = family == .ipv4 ? 32 : 128
        let first = items.first!.key
        let last = items.last!.key
        let differing = first.firstDifferingBit(from: last, width: width)
        guard items.count > leafSize, let bit = differing else {
            return items.map(\.index).sorted().map { rules[$0] }
        }
        let split = items.firstIndex { $0.key.bit(bit) } ?? items.endIndex
        var result: [Rule] = []
        for side in [items[..<split], items[split...]] where !side.isEmpty {
            if side.count <= leafSize {
                result += side.map(\.index).sorted().map { rules[$0] }
                continue
            }
            let prefix = side.first!.key.prefix(length: bit + 1, family: family)
            let chain = chainName(prefix)
            let body = node(side, rules: rules, family: family, chains: &chains)
            chains.append(Chain(chain, body))
            result.append(Rule([.destination(.network(prefix))], .jump(chain)))
        }
        return result
    }

    static func chainName(_ prefix: IPPrefix) -> ChainName {
        Array(prefix.description.utf8).withUnsafeBytes { ChainName.hashed(chainPrefix, digestOf: $0) }
    }
}

/// An address as 128 bits, most significant first (IPv4 in the top 32).
struct AddressKey: Comparable {
    var high: UInt64
    var low: UInt64

    init(_ address: IPAddress) {
        switch address {
        case .v4(let v4): (high, low) = (UInt64(v4.value) << 32, 0)
        case .v6(let v6): (high, low) = (v6.high, v6.low)
        }
    }

    func bit(_ index: Int) -> Bool {
        index < 64 ? (high >> UInt64(63 - index)) & 1 == 1 : (low >> UInt64(127 - index)) & 1 == 1
    }

    /// The first bit, below `width`, where the two differ.
    func firstDifferingBit(from other: AddressKey, width: Int) -> Int? {
        let highBits = (high ^ other.high).leadingZeroBitCount
        let position = highBits < 64 ? highBits : 64 + (low ^ other.low).leadingZeroBitCount
        return position < width ? position : nil
    }

    /// The prefix of this address of `length` bits.
    func prefix(length: Int, family: IPFamily) -> IPPrefix {
        let address: IPAddress
        if family == .ipv4 {
            address = .v4(IPv4Address(UInt32(high >> 32)))
        } else {
            address = .v6(IPv6Address(high: high, low: low))
        }
        return IPPrefix(address: address, length: length)!
    }

    static func < (lhs: AddressKey, rhs: AddressKey) -> Bool { (lhs.high, lhs.low) < (rhs.high, rhs.low) }
}

extension Rule {
    /// The single destination host the rule matches (`-d <ip>`), if it has one.
    var destinationHost: IPAddress? {
        var found: IPAddress?
        for match in matches {
            if case .destination(let address, let negated) = match {
                guard !negated, case .host(let host) = address, found == nil else { return nil }
                found = host
            }
        }
        return found
    }
}
