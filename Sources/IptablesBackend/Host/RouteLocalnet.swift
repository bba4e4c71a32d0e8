#if canImport(Glibc)
import Glibc
import ProxyCore
#endif

/// `net.ipv4.conf.all.route_localnet`: IPv4 NodePorts on 127.0.0.1 are only routed when it is
/// 1, so kube-proxy sets it at start-up when localhost NodePorts are on
/// (``ProxySettings/localhostNodePorts``), and fails if it cannot.
public enum RouteLocalnet {
    public static let path = "/proc/sys/net/ipv4/conf/all/route_localnet"

    /// Sets the sysctl to 1 unless it is already; returns what was done, for the log.
    public static func ensure(path: String = RouteLocalnet.path) throws(IptablesError) -> String {
        if HostProbe.readNumber(path) == 1 { return "route_localnet=1 already, for localhost NodePorts" }
        let descriptor = open(path, O_WRONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw failure(path) }
        defer { close(descriptor) }
        guard write(descriptor, "1\n", 2) == 2 else { throw failure(path) }
        return "route_localnet set to 1, for localhost NodePorts"
    }

    private static func failure(_ path: String) -> IptablesError {
        let code = errno
        // Want of privileges is told by the caller (IptablesError.isPermissionDenied); a
        // read-only /proc/sys is what a container without a writable /proc/sys sees as root.
        let hint = code == EROFS ? " (/proc/sys is read-only here: make it writable, or set localhostNodePorts: false)" : ""
        return .sysctl(path: path, errno: code, message: "cannot set it to 1 for localhost NodePorts: \(String(cString: strerror(code)))\(hint)")
    }
}
