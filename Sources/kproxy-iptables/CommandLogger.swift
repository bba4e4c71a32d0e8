import Logging

/// The log of a long-running command (`sync --watch`, `agent`): standard error, every chain
/// written or deleted with `verbose`.
func commandLogger(verbose: Bool) -> Logger {
    var logger = Logger(label: "kproxy-iptables") { StreamLogHandler.standardError(label: $0) }
    logger.logLevel = verbose ? .debug : .info
    return logger
}
