import Logging

/// What every connection of one listener shares: the limits, what the listener tells
/// endpoints about itself, the access log and the metrics.
struct ListenerContext: Sendable {
    let limits: IngressProxyLimits
    /// `http` or `https`.
    let scheme: String
    let logger: Logger
    let accessLog: AccessLog
    let metrics: IngressMetrics?

    /// Logs and counts what became of a request; `loop` keeps the metric series it used.
    func observe(_ record: RequestRecord, on loop: LoopState) {
        accessLog.record(record)
        guard let metrics else { return }
        let key = IngressMetrics.SeriesKey(record)
        let series: IngressMetrics.Series
        if let last = loop.lastMetricSeries, last.key == key {
            // Most requests count into the series the one before counted into: comparing
            // the labels (mostly the same strings) is cheaper than hashing them.
            series = last.series
        } else if let known = loop.metricSeries[key] {
            series = known
            loop.lastMetricSeries = (key, known)
        } else {
            series = metrics.series(key)
            loop.metricSeries[key] = series
            loop.lastMetricSeries = (key, series)
        }
        series.requests.increment()
        series.duration.recordNanoseconds(Int64(record.seconds * 1e9))
        series.requestSize.record(Double(record.requestBytes))
        series.responseSize.record(Double(record.bodyBytesSent))
    }
}
