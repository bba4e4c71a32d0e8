import ArgumentParser
import NftablesBackend
import ServiceModel

/// Deletes nftables mode's table of `family` if there is one, saying so; a refusal of the
/// kernel is printed and exits with status 1.
func removeNftablesModeTable(family: IPFamily) throws {
    do throws(NftablesError) {
        if try NftablesApplier().deleteTable(family: family) {
            printError("kproxy-iptables: removed nftables mode's table \(NftRuleset.qualifiedTableName(family))")
        }
    } catch {
        throw exitReporting(error)
    }
}

/// Prints a refusal of libnftables (saying to run as root when privileges were wanting) and
/// returns the exit with status 1.
func exitReporting(_ error: NftablesError) -> ExitCode {
    printError("kproxy-iptables: \(error)" + (error.isPermissionDenied ? " — run as root (nftables needs CAP_NET_ADMIN)" : ""))
    return ExitCode(1)
}
