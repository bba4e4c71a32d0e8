/// Why a ``ProxyRuntime`` stopped.
public struct ProxyRuntimeError: Error, Sendable, CustomStringConvertible {
    public enum Code: Sendable, Equatable {
        /// No Node of the proxy's name (or none with IPs) arrived in time, and no IPs were given.
        case nodeUnknown
        /// The input can no longer be followed (a changed configuration, unreadable files).
        case inputUnusable
        /// The host could not be set up as the rules need (``RouteLocalnet``).
        case hostSetupFailed
    }

    public var code: Code
    public var message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { message }
}
