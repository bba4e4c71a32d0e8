import CIPTC

/// This process's malloc heap.
public enum ProcessHeap {
    /// Gives the pages of memory that was freed back to the system (glibc's
    /// `malloc_trim`). Worth it after dropping a large model that is not coming back: freed
    /// memory otherwise stays resident, and what is allocated next may not reuse it.
    public static func releaseFreedMemory() {
        _ = kpx_release_free_heap()
    }
}
