// The one place IptablesBackend touches C: libiptc's API, and glibc's malloc tuning at the end.
// libip4tc and libip6tc have the same functions under two prefixes; these wrappers pick one
// by `v6`, take entries as untyped bytes (IptablesBackend encodes them itself) and copy chain
// names into the fixed 32-byte labels libiptc reads.
#ifndef KPX_CIPTC_SHIM_H
#define KPX_CIPTC_SHIM_H

#include <malloc.h>
#include <string.h>
#include <libiptc/libiptc.h>
#include <libiptc/libip6tc.h>

#define KPX_LABEL(label, name) xt_chainlabel label; memset(label, 0, sizeof(label)); strncpy(label, name, sizeof(label) - 1)

static inline struct xtc_handle *kpx_init(int v6, const char *table) {
    return v6 ? ip6tc_init(table) : iptc_init(table);
}

static inline void kpx_free(int v6, struct xtc_handle *handle) {
    if (v6) ip6tc_free(handle); else iptc_free(handle);
}

static inline const char *kpx_first_chain(int v6, struct xtc_handle *handle) {
    return v6 ? ip6tc_first_chain(handle) : iptc_first_chain(handle);
}

static inline const char *kpx_next_chain(int v6, struct xtc_handle *handle) {
    return v6 ? ip6tc_next_chain(handle) : iptc_next_chain(handle);
}

static inline int kpx_is_chain(int v6, const char *chain, struct xtc_handle *handle) {
    KPX_LABEL(label, chain);
    return v6 ? ip6tc_is_chain(label, handle) : iptc_is_chain(label, handle);
}

static inline int kpx_builtin(int v6, const char *chain, struct xtc_handle *handle) {
    KPX_LABEL(label, chain);
    return v6 ? ip6tc_builtin(label, handle) : iptc_builtin(label, handle);
}

static inline const void *kpx_first_rule(int v6, const char *chain, struct xtc_handle *handle) {
    KPX_LABEL(label, chain);
    return v6 ? (const void *)ip6tc_first_rule(label, handle) : (const void *)iptc_first_rule(label, handle);
}

static inline const void *kpx_next_rule(int v6, const void *previous, struct xtc_handle *handle) {
    return v6 ? (const void *)ip6tc_next_rule((const struct ip6t_entry *)previous, handle)
              : (const void *)iptc_next_rule((const struct ipt_entry *)previous, handle);
}

static inline const char *kpx_get_target(int v6, const void *entry, struct xtc_handle *handle) {
    return v6 ? ip6tc_get_target((const struct ip6t_entry *)entry, handle)
              : iptc_get_target((const struct ipt_entry *)entry, handle);
}

static inline int kpx_create_chain(int v6, const char *chain, struct xtc_handle *handle) {
    KPX_LABEL(label, chain);
    return v6 ? ip6tc_create_chain(label, handle) : iptc_create_chain(label, handle);
}

static inline int kpx_flush_entries(int v6, const char *chain, struct xtc_handle *handle) {
    KPX_LABEL(label, chain);
    return v6 ? ip6tc_flush_entries(label, handle) : iptc_flush_entries(label, handle);
}

static inline int kpx_delete_chain(int v6, const char *chain, struct xtc_handle *handle) {
    KPX_LABEL(label, chain);
    return v6 ? ip6tc_delete_chain(label, handle) : iptc_delete_chain(label, handle);
}

static inline int kpx_append_entry(int v6, const char *chain, const void *entry, struct xtc_handle *handle) {
    KPX_LABEL(label, chain);
    return v6 ? ip6tc_append_entry(label, (const struct ip6t_entry *)entry, handle)
              : iptc_append_entry(label, (const struct ipt_entry *)entry, handle);
}

static inline int kpx_insert_entry(int v6, const char *chain, const void *entry, unsigned int position,
                                   struct xtc_handle *handle) {
    KPX_LABEL(label, chain);
    return v6 ? ip6tc_insert_entry(label, (const struct ip6t_entry *)entry, position, handle)
              : iptc_insert_entry(label, (const struct ipt_entry *)entry, position, handle);
}

static inline int kpx_delete_num_entry(int v6, const char *chain, unsigned int position, struct xtc_handle *handle) {
    KPX_LABEL(label, chain);
    return v6 ? ip6tc_delete_num_entry(label, position, handle) : iptc_delete_num_entry(label, position, handle);
}

static inline int kpx_get_references(int v6, unsigned int *references, const char *chain, struct xtc_handle *handle) {
    KPX_LABEL(label, chain);
    return v6 ? ip6tc_get_references(references, label, handle) : iptc_get_references(references, label, handle);
}

static inline int kpx_commit(int v6, struct xtc_handle *handle) {
    return v6 ? ip6tc_commit(handle) : iptc_commit(handle);
}

static inline const char *kpx_strerror(int v6, int error) {
    return v6 ? ip6tc_strerror(error) : iptc_strerror(error);
}

// glibc's malloc_trim: not in Swift's Glibc module. Gives the pages of freed memory back to
// the system, in every malloc arena.
static inline int kpx_release_free_heap(void) {
    return malloc_trim(0);
}

// glibc's mallopt(M_ARENA_MAX): at most `count` malloc arenas. Threads beyond that share one,
// so memory one thread frees can be reused by the others rather than staying resident in an
// arena of its own.
static inline int kpx_limit_heap_arenas(int count) {
    return mallopt(M_ARENA_MAX, count);
}

#endif
