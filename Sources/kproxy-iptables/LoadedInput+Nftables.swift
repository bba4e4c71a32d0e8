import ArgumentParser
import NftablesBackend
import ProxyCore
import ProxyRuntime
import ServiceModel

extension LoadedInput {
    /// The planner of nftables mode for this input, with the service ranges its
    /// ServiceCIDR objects give.
    func nftablesPlanner(settings: ProxySettings) -> NftablesPlanner {
        NftablesPlanner(settings: settings, serviceCIDRs: manifests.serviceCIDRs.flatMap(\.cidrs))
    }

    /// The table nftables mode plans for this input.
    func nftablesRuleset(settings: ProxySettings) -> NftRuleset {
        nftablesPlanner(settings: settings).plan(catalog)
    }
}

/// The kernel's nftables mode table of `family`, read back; a refusal of libnftables exits 1.
func readNftablesTable(family: IPFamily) throws -> NftLiveTable {
    do throws(NftablesError) {
        return try NftLiveTable.read(family: family)
    } catch {
        throw exitReporting(error)
    }
}

/// The kernel's table to follow (`trace --live`, `verify --live`): exits 1, naming them,
/// when it holds rules kproxy-iptables cannot read, and when there is no table.
func followableNftablesTable(family: IPFamily) throws -> NftRuleset {
    let live = try readNftablesTable(family: family)
    guard live.exists else {
        printError("kproxy-iptables: the kernel has no table \(NftRuleset.qualifiedTableName(family)); run sync first")
        throw ExitCode(1)
    }
    guard live.unreadable.isEmpty else {
        printError("kproxy-iptables: \(live.unreadable.count) rule(s) kproxy-iptables cannot read in \(NftRuleset.qualifiedTableName(family)):")
        for rule in live.unreadable { printError("  \(rule.chain): \(rule.json)") }
        throw ExitCode(1)
    }
    return live.ruleset
}
