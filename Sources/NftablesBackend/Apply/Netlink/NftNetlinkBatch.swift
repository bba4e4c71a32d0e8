import CNftnl

/// One nf_tables transaction as the kernel takes it: netlink messages between a batch begin
/// and a batch end, sent in one `sendmsg`. Each message is built by libnftnl into a scratch
/// buffer and copied in; its sequence number remembers which command it came from, so a
/// refusal can name the command.
struct NftNetlinkBatch {
    private(set) var bytes: [UInt8] = []
    /// The sequence number of the next message.
    private(set) var sequence: UInt32
    /// The command each message's sequence number stands for.
    private(set) var commandOfSequence: [UInt32: Int] = [:]
    /// The sequence number of the last command's message: the one asked to be
    /// acknowledged, whose answer ends the kernel's reply.
    private(set) var lastSequence: UInt32?
    /// Where that message starts in ``bytes``.
    private var lastOffset: Int?
    /// The command messages are appended for now.
    var command = 0
    /// Where libnftnl builds a message: as large as the largest message of ours (an
    /// anonymous map of a port with thousands of endpoints in one message).
    private var scratch = [CChar](repeating: 0, count: 1 << 22)

    init(firstSequence: UInt32) {
        sequence = firstSequence
        appendMessage(isCommand: false) { buffer, sequence in nftnl_batch_begin(buffer, sequence) }
    }

    /// Appends the message `build` writes into the buffer it is given, with the next
    /// sequence number.
    mutating func appendMessage(isCommand: Bool = true,
                                _ build: (UnsafeMutablePointer<CChar>, UInt32) -> UnsafeMutablePointer<nlmsghdr>?) {
        let sequence = self.sequence
        let offset = bytes.count
        // Safe: libnftnl writes one message into the scratch buffer, never more than its
        // size (every message of ours is far smaller), and nlmsg_len says how many bytes it
        // wrote; those are copied out before the buffer is used again.
        scratch.withUnsafeMutableBufferPointer { buffer in
            guard let base = buffer.baseAddress, let header = build(base, sequence) else { return }
            let length = Int(header.pointee.nlmsg_len)
            UnsafeRawPointer(base).withMemoryRebound(to: UInt8.self, capacity: length) { start in
                bytes.append(contentsOf: UnsafeBufferPointer(start: start, count: length))
            }
        }
        if isCommand {
            commandOfSequence[sequence] = command
            lastSequence = sequence
            lastOffset = offset
        }
        self.sequence &+= 1
    }

    /// Asks for the last command's acknowledgement, and closes the batch. (Refusals come
    /// whatever the flags; the acknowledgement of the last message says the kernel is done.)
    mutating func finish() {
        if let lastOffset {
            let flags = lastOffset + MemoryLayout<nlmsghdr>.offset(of: \.nlmsg_flags)!
            bytes.withUnsafeMutableBytes { raw in
                let old = raw.loadUnaligned(fromByteOffset: flags, as: UInt16.self)
                raw.storeBytes(of: old | UInt16(NLM_F_ACK), toByteOffset: flags, as: UInt16.self)
            }
        }
        appendMessage(isCommand: false) { buffer, sequence in nftnl_batch_end(buffer, sequence) }
    }
}
