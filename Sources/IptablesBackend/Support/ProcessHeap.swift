import CIPTC

/// This process's malloc heap.
public enum ProcessHeap {
    /// Gives the pages of memory that was freed back to the system (glibc's
    /// `malloc_trim`). Worth it after dropping a large model that is not coming back: freed
    /// memory otherwise stays resident, and what is allocated next may not reuse it.
    public static func releaseFreedMemory() {
        _ = kpx_release_free_heap()
    }

    /// Prepares the heap of a process that runs for days (the agent, `sync --watch`): one
    /// malloc arena for every thread (glibc's `M_ARENA_MAX`; by default up to eight per
    /// core). Each arena keeps what was freed in it, so with several, memory freed on one
    /// thread stays resident while another thread allocates afresh in its own: measured on
    /// the agent at 10,000 services, a second arena held 40 MB more. The cost is contention
    /// when threads allocate at once (the first decode and plan of a large cluster take
    /// longer), which a process that runs for days pays once.
    ///
    /// Call it first, while the process has one thread: an arena a thread already has is
    /// kept.
    public static func prepareForLongRun() {
        _ = kpx_limit_heap_arenas(1)
    }
}
