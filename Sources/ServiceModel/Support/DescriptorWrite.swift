#if canImport(Glibc)
import Glibc
#endif

/// Writes all of `bytes` to `descriptor`, going on after short writes and EINTR. Returns
/// the errno of the write that failed, or `nil` when everything was written.
///
/// Shared by the libiptc helper's wire and the command line's output streams.
public func writeAll(_ bytes: UnsafeRawBufferPointer, to descriptor: Int32) -> Int32? {
    var offset = 0
    while offset < bytes.count {
        let written = write(descriptor, bytes.baseAddress! + offset, bytes.count - offset)
        if written < 0 {
            if errno == EINTR { continue }
            return errno
        }
        offset += written
    }
    return nil
}
