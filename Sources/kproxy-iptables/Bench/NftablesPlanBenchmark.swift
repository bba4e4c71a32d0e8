import Foundation
import NftablesBackend
import ProxyCore
import ServiceModel

/// The generated cluster planned in nftables mode: how long planning the table and
/// rendering its full-sync transaction take, and how large the transaction is.
struct NftablesPlanBenchmark {
    var catalog: ServiceCatalog
    var settings: ProxySettings

    struct Result {
        var plan: [Double] = []
        var render: [Double] = []
        var commands = 0
        var bytes = 0
    }

    func measure(runs: Int) -> Result {
        var result = Result()
        let clock = ContinuousClock()
        for _ in 0..<runs {
            var ruleset = NftRuleset(family: settings.family)
            result.plan.append(clock.measure { ruleset = NftablesPlanner(settings: settings).plan(catalog) }.milliseconds)
            var text = ""
            result.render.append(clock.measure {
                let transaction = NftTransaction.fullSync(ruleset, installed: NftInstalledNames(), recreatingBaseChains: true)
                result.commands = transaction.commands.count
                text = transaction.text
            }.milliseconds)
            result.bytes = text.utf8.count
        }
        return result
    }
}
