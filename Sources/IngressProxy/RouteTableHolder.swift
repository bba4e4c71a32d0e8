import Synchronization

/// The route table in force, swapped whole: each request reads it once, at its head, and
/// keeps that table to its end, so a swap never changes a request in flight.
final class RouteTableHolder: Sendable {
    private let table: Mutex<IngressRouteTable>

    init(_ table: IngressRouteTable) {
        self.table = Mutex(table)
    }

    var current: IngressRouteTable { table.withLock { $0 } }

    func replace(with table: IngressRouteTable) {
        self.table.withLock { $0 = table }
    }
}
