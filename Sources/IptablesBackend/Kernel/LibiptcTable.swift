import CIPTC
import Foundation
import ServiceModel
#if canImport(Glibc)
import Glibc
#endif

/// One table of one family read through libiptc: the owner of the libiptc handle. Changes
/// are staged in the handle and reach the kernel together, atomically, at ``commit()``;
/// dropping the value without committing discards them.
///
/// libiptc keeps process-wide state (the last function called, for its error texts) and its
/// handles are not thread-safe, so every use goes through ``LibiptcTable/withTable(family:table:_:)``,
/// which serialises them.
public struct LibiptcTable: ~Copyable {
    public let family: IPFamily
    public let table: Table
    private let handle: OpaquePointer
    private var v6: Int32 { family == .ipv6 ? 1 : 0 }
    /// How long reading the table took: the kernel's copy and libiptc's parse of it.
    public let readDuration: Duration
    /// How long the last ``commit()`` took: libiptc's build of the table and the kernel's
    /// replace.
    public private(set) var commitDuration: Duration = .zero

    private static let serial = NSLock()

    /// Reads `table` and runs `body` with it, one table at a time per process.
    public static func withTable<Result>(family: IPFamily, table: Table,
                                         _ body: (inout LibiptcTable) throws(IptablesError) -> Result) throws(IptablesError) -> Result {
        serial.lock()
        defer { serial.unlock() }
        var opened = try LibiptcTable(family: family, table: table)
        return try body(&opened)
    }

    /// Takes the xtables lock, reads `table` and runs `body` with it; the lock is held until
    /// `body` returns, so nothing a lock-honouring writer does lands between read and commit.
    public static func locked<Result>(family: IPFamily, table: Table, lockPath: String, lockTimeout: Duration,
                                      _ body: (inout LibiptcTable) throws(IptablesError) -> Result) throws(IptablesError) -> Result {
        let lock = try XtablesLock(path: lockPath, timeout: lockTimeout)
        let result: Swift.Result<Result, IptablesError>
        do throws(IptablesError) {
            result = .success(try withTable(family: family, table: table, body))
        } catch {
            result = .failure(error)
        }
        _ = consume lock
        return try result.get()
    }

    private init(family: IPFamily, table: Table) throws(IptablesError) {
        self.family = family
        self.table = table
        let start = ContinuousClock.now
        guard let handle = kpx_init(family == .ipv6 ? 1 : 0, table.rawValue) else {
            throw Self.error("read the table", family: family, table: table, chain: nil)
        }
        self.handle = handle
        readDuration = .now - start
    }

    deinit {
        kpx_free(v6, handle)
    }

    private static func error(_ operation: String, family: IPFamily, table: Table, chain: String?) -> IptablesError {
        let code = errno
        let message = kpx_strerror(family == .ipv6 ? 1 : 0, code).map { String(cString: $0) } ?? String(cString: strerror(code))
        return .kernel(operation: operation, family: family, table: table, chain: chain, errno: code, message: message)
    }

    private func fail(_ operation: String, _ chain: String?) -> IptablesError {
        Self.error(operation, family: family, table: table, chain: chain)
    }

    /// Every chain of the table, built-in chains first, user chains in byte order.
    public func chainNames() -> [String] {
        var names: [String] = []
        var next = kpx_first_chain(v6, handle)
        while let name = next {
            names.append(String(cString: name))
            next = kpx_next_chain(v6, handle)
        }
        return names
    }

    public func hasChain(_ name: String) -> Bool {
        kpx_is_chain(v6, name, handle) != 0
    }

    public func isBuiltin(_ name: String) -> Bool {
        kpx_builtin(v6, name, handle) != 0
    }

    /// The rules of `chain` as libiptc holds them: each entry's bytes and its target label
    /// (a verdict, a chain name, an extension target's name, or "" for none).
    public func entries(of chain: String) -> [KernelEntry] {
        var result: [KernelEntry] = []
        var next = kpx_first_rule(v6, chain, handle)
        while let entry = next {
            let size = Int(entry.load(fromByteOffset: family == .ipv4 ? 90 : 142, as: UInt16.self))
            let bytes = Array(UnsafeRawBufferPointer(start: entry, count: size))
            let label = kpx_get_target(v6, entry, handle).map { String(cString: $0) } ?? ""
            result.append(KernelEntry(family: family, bytes: bytes, targetLabel: label))
            next = kpx_next_rule(v6, entry, handle)
        }
        return result
    }

    /// Whether `chain` holds exactly `rules`, in order (see ``KernelEntry/isSame(as:)``),
    /// compared in libiptc's copy of the table without copying it out.
    public func holds(_ chain: String, _ rules: EncodedChain) -> Bool {
        var index = 0
        var next = kpx_first_rule(v6, chain, handle)
        while let entry = next {
            guard index < rules.count, let label = kpx_get_target(v6, entry, handle) else { return false }
            let size = Int(entry.load(fromByteOffset: family == .ipv4 ? 90 : 142, as: UInt16.self))
            let installed = UnsafeRawBufferPointer(start: entry, count: size)
            let family = family
            guard rules.withRule(index, { KernelEntry.isSame(installed: installed, label: label, encoded: $0, family: family) }) else {
                return false
            }
            index += 1
            next = kpx_next_rule(v6, entry, handle)
        }
        return index == rules.count
    }

    public mutating func createChain(_ name: String) throws(IptablesError) {
        guard kpx_create_chain(v6, name, handle) != 0 else { throw fail("create chain", name) }
    }

    public mutating func flushChain(_ name: String) throws(IptablesError) {
        guard kpx_flush_entries(v6, name, handle) != 0 else { throw fail("flush chain", name) }
    }

    public mutating func deleteChain(_ name: String) throws(IptablesError) {
        guard kpx_delete_chain(v6, name, handle) != 0 else { throw fail("delete chain", name) }
    }

    /// How many rules jump to `chain`.
    public func references(to name: String) throws(IptablesError) -> Int {
        var count: UInt32 = 0
        guard kpx_get_references(v6, &count, name, handle) != 0 else { throw fail("count references", name) }
        return Int(count)
    }

    public mutating func append(_ entry: UnsafeRawBufferPointer, to chain: String) throws(IptablesError) {
        guard kpx_append_entry(v6, chain, entry.baseAddress, handle) != 0 else { throw fail("append rule", chain) }
    }

    public mutating func append(_ entry: [UInt8], to chain: String) throws(IptablesError) {
        let ok = entry.withUnsafeBytes { kpx_append_entry(v6, chain, $0.baseAddress, handle) }
        guard ok != 0 else { throw fail("append rule", chain) }
    }

    /// Inserts before rule `position` (0 = first).
    public mutating func insert(_ entry: [UInt8], into chain: String, at position: Int) throws(IptablesError) {
        let ok = entry.withUnsafeBytes { kpx_insert_entry(v6, chain, $0.baseAddress, UInt32(position), handle) }
        guard ok != 0 else { throw fail("insert rule", chain) }
    }

    /// Deletes rule `position` (0 = first).
    public mutating func deleteRule(in chain: String, at position: Int) throws(IptablesError) {
        guard kpx_delete_num_entry(v6, chain, UInt32(position), handle) != 0 else { throw fail("delete rule", chain) }
    }

    /// Sends the staged table to the kernel in one replace. Throws with `errno` EAGAIN when
    /// another writer changed the table since it was read.
    public mutating func commit() throws(IptablesError) {
        let start = ContinuousClock.now
        defer { commitDuration = .now - start }
        guard kpx_commit(v6, handle) != 0 else { throw fail("commit", nil) }
    }
}

/// One rule read back from the kernel.
public struct KernelEntry: Hashable, Sendable {
    public var family: IPFamily
    /// The whole entry: header, matches, target.
    public var bytes: [UInt8]
    /// The target's label as libiptc names it: `ACCEPT`, `DROP`, `RETURN`, a chain, an
    /// extension target (`DNAT`), or "" when the rule has no target.
    public var targetLabel: String

    public init(family: IPFamily, bytes: [UInt8], targetLabel: String) {
        self.family = family
        self.bytes = bytes
        self.targetLabel = targetLabel
    }
}
