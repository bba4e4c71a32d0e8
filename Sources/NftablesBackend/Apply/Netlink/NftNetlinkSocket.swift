import CNftnl
import Foundation
import ServiceModel

/// Sends nf_tables batches on a netfilter netlink socket and reads the kernel's answer: the
/// whole batch is committed, or none of it and the refused messages are named.
enum NftNetlinkSocket {
    /// What the kernel refused: the command's index in its transaction, and errno.
    struct Refusal {
        var command: Int?
        var errno: Int32
    }

    /// Sends `batch` and waits for the kernel to finish it; the refusals, if any.
    static func send(_ batch: NftNetlinkBatch) throws(NftablesError) -> [Refusal] {
        guard let socket = mnl_socket_open(NETLINK_NETFILTER) else {
            throw NftablesError("open a netfilter socket", String(cString: strerror(errno)))
        }
        defer { mnl_socket_close(socket) }
        guard mnl_socket_bind(socket, 0, pid_t(MNL_SOCKET_AUTOPID)) >= 0 else {
            throw NftablesError("bind a netfilter socket", String(cString: strerror(errno)))
        }
        // The batch goes in one sendmsg: the socket's send buffer must hold it all, and the
        // receive buffer the refusals of a batch that fails everywhere (root may force both).
        var size = Int32(clamping: max(batch.bytes.count, 1 << 20) * 2)
        let descriptor = mnl_socket_get_fd(socket)
        _ = setsockopt(descriptor, SOL_SOCKET, SO_SNDBUFFORCE, &size, socklen_t(MemoryLayout<Int32>.size))
        _ = setsockopt(descriptor, SOL_SOCKET, SO_RCVBUFFORCE, &size, socklen_t(MemoryLayout<Int32>.size))
        let sent = batch.bytes.withUnsafeBytes { mnl_socket_sendto(socket, $0.baseAddress, $0.count) }
        guard sent == batch.bytes.count else {
            throw NftablesError("send the transaction", String(cString: strerror(errno)))
        }
        guard let last = batch.lastSequence else { return [] }
        return try answers(on: socket, until: last, batch: batch)
    }

    /// Reads acknowledgements and refusals until the last command's acknowledgement.
    private static func answers(on socket: OpaquePointer, until last: UInt32,
                                batch: NftNetlinkBatch) throws(NftablesError) -> [Refusal] {
        var refusals: [Refusal] = []
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let received = buffer.withUnsafeMutableBytes { mnl_socket_recvfrom(socket, $0.baseAddress, $0.count) }
            if received < 0 && errno == EINTR { continue }
            guard received > 0 else {
                throw NftablesError("read the kernel's answer", String(cString: strerror(errno)))
            }
            var finished = false
            // Safe: the loop reads only whole netlink headers and error payloads inside the
            // `received` bytes the kernel wrote, checking each length before reading.
            buffer.withUnsafeBytes { raw in
                var offset = 0
                let headerSize = MemoryLayout<nlmsghdr>.size
                while offset + headerSize <= received {
                    let header = raw.loadUnaligned(fromByteOffset: offset, as: nlmsghdr.self)
                    let length = Int(header.nlmsg_len)
                    guard length >= headerSize, offset + length <= received else { break }
                    if header.nlmsg_type == UInt16(NLMSG_ERROR), length >= headerSize + MemoryLayout<Int32>.size + headerSize {
                        let error = raw.loadUnaligned(fromByteOffset: offset + headerSize, as: Int32.self)
                        let original = raw.loadUnaligned(fromByteOffset: offset + headerSize + MemoryLayout<Int32>.size,
                                                         as: nlmsghdr.self)
                        if error != 0 {
                            refusals.append(Refusal(command: batch.commandOfSequence[original.nlmsg_seq], errno: -error))
                        }
                        // The last command's answer ends the reply; so does a refusal of
                        // the batch itself (its begin message), after which nothing runs.
                        let isCommand = batch.commandOfSequence[original.nlmsg_seq] != nil
                        if original.nlmsg_seq == last || (error != 0 && !isCommand) { finished = true }
                    }
                    offset += (length + 3) & ~3
                }
            }
            if finished { return refusals }
        }
    }
}
