import CNftables
import Foundation
import Synchronization

/// One libnftables context: commands run as the nft tool runs them, in this process and this
/// network namespace, their output and errors gathered as text rather than printed. A
/// command buffer is one transaction: the kernel applies all of it or none.
///
/// Not shared between threads (libnftables contexts are not thread-safe): each use makes its
/// own and frees it. Nor do two contexts work at once: libnftables keeps process-wide state
/// (set up when a context is made, used while commands run), and parallel listings were
/// seen to come back with elements missing. Every call holds ``libraryLock``.
final class NftablesContext {
    /// Held while libnftables works, by whichever thread.
    private static let libraryLock = Mutex(())

    /// The context: owned here, freed in `deinit`, and used only through the calls below.
    private let context: OpaquePointer

    /// - Parameter json: list objects as JSON (`nft -j`).
    init(json: Bool = false) throws(NftablesError) {
        guard let context = Self.libraryLock.withLock({ _ in nft_ctx_new(UInt32(NFT_CTX_DEFAULT)) }) else {
            throw NftablesError("open libnftables", "nft_ctx_new returned nothing")
        }
        self.context = context
        _ = nft_ctx_buffer_output(context)
        _ = nft_ctx_buffer_error(context)
        if json { nft_ctx_output_set_flags(context, UInt32(NFT_CTX_OUTPUT_JSON)) }
    }

    deinit {
        let context = self.context
        Self.libraryLock.withLock { _ in nft_ctx_free(context) }
    }

    /// Runs `commands` (nft's syntax, one command a line); with `checkOnly`, the kernel
    /// checks them and applies nothing (`nft -c`). Returns what nft printed; throws with
    /// nft's error text when it refused.
    func run(_ commands: String, checkOnly: Bool = false, operation: String) throws(NftablesError) -> String {
        let context = self.context
        let (status, output, error) = Self.libraryLock.withLock { _ in
            nft_ctx_set_dry_run(context, checkOnly)
            let status = nft_run_cmd_from_buffer(context, commands)
            // The buffers stay valid until the next command on this context; copied out now.
            return (status, nft_ctx_get_output_buffer(context).map { String(cString: $0) } ?? "",
                    nft_ctx_get_error_buffer(context).map { String(cString: $0) } ?? "")
        }
        guard status == 0 else {
            throw NftablesError(operation, error.trimmingCharacters(in: .whitespacesAndNewlines))
        }
        return output
    }
}
