import CNetfilterConntrack
#if canImport(Glibc)
import Glibc
#endif
import ServiceModel

/// A netlink session with the kernel's connection tracking table (libnetfilter_conntrack):
/// lists the entries of one family and protocols, and deletes entries. Closed when it ends.
public struct ConntrackTable: ~Copyable {
    private let handle: OpaquePointer
    public let family: IPFamily

    /// Opens the session in the calling thread's network namespace.
    public init(family: IPFamily) throws(ConntrackError) {
        guard let handle = nfct_open(UInt8(CONNTRACK), 0) else { throw Self.failure("open netlink socket", family) }
        self.handle = handle
        self.family = family
    }

    deinit { nfct_close(handle) }

    /// The entries of `protocols`, in the kernel's order.
    public func entries(of protocols: [L4Protocol]) throws(ConntrackError) -> [ConntrackEntry] {
        let collector = EntryCollector()
        let numbers = protocols.map(\.ipProtocolNumber)
        // Safe: the collector is retained by this frame for the whole call, the C side
        // calls `visit` only during `kpx_ct_dump`, and each entry it lends is copied into a
        // Swift value before `visit` returns.
        let status = withExtendedLifetime(collector) {
            numbers.withUnsafeBufferPointer { protocols in
                kpx_ct_dump(handle, family.addressFamily, protocols.baseAddress, Int32(protocols.count), { entry, context in
                    guard let entry, let context else { return }
                    let collector = Unmanaged<EntryCollector>.fromOpaque(context).takeUnretainedValue()
                    if let value = ConntrackEntry(entry.pointee) { collector.entries.append(value) }
                }, Unmanaged.passUnretained(collector).toOpaque())
            }
        }
        guard status == 0 else { throw Self.failure("list entries", family) }
        return collector.entries
    }

    /// Deletes the entry with `entry`'s original tuple; `false` when it had gone already.
    public func delete(_ entry: ConntrackEntry) throws(ConntrackError) -> Bool {
        var raw = entry.raw
        guard kpx_ct_delete(handle, &raw) == 0 else {
            if errno == ENOENT { return false }
            throw Self.failure("delete \(entry)", family)
        }
        return true
    }

    private static func failure(_ operation: String, _ family: IPFamily) -> ConntrackError {
        let code = errno
        return ConntrackError(operation: operation, family: family, errno: code, message: String(cString: strerror(code)))
    }
}

/// Where the dump's visitor puts the entries; a class so the C callback can reach it
/// through its context pointer.
private final class EntryCollector {
    var entries: [ConntrackEntry] = []
}
