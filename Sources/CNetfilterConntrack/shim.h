// The one place the Conntrack target touches C: libnetfilter_conntrack's dump and delete,
// with each entry's tuple copied into a plain struct (host byte order) so that Swift never
// holds a `struct nf_conntrack` beyond the callback that lends it.
#ifndef KPX_CONNTRACK_SHIM_H
#define KPX_CONNTRACK_SHIM_H

#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <libnetfilter_conntrack/libnetfilter_conntrack.h>

/// An address of either family, as two host-order halves; IPv4 in the low 32 bits of `low`.
struct kpx_ct_address {
    uint64_t high;
    uint64_t low;
};

/// What the cleanup decides by, and what deleting the entry needs.
struct kpx_ct_entry {
    uint8_t family;                  /* AF_INET or AF_INET6 */
    uint8_t protocol;                /* IPPROTO_UDP, IPPROTO_SCTP, ... */
    uint16_t zone;
    uint16_t original_source_port;   /* host order */
    uint16_t original_destination_port;
    struct kpx_ct_address original_source;
    struct kpx_ct_address original_destination;
    struct kpx_ct_address reply_source;
};

/// Called once an entry of the dump; `context` is the one given to `kpx_ct_dump`.
typedef void (*kpx_ct_visitor)(const struct kpx_ct_entry *entry, void *context);

struct kpx_ct_dump_state {
    kpx_ct_visitor visit;
    void *context;
    uint8_t family;
    uint8_t protocol_mask[32];       /* bit p set: entries of protocol p are visited */
};

static inline struct kpx_ct_address kpx_ct_read_address(const struct nf_conntrack *ct, int v6,
                                                        enum nf_conntrack_attr v4_attr,
                                                        enum nf_conntrack_attr v6_attr) {
    struct kpx_ct_address address = {0, 0};
    if (v6) {
        const uint8_t *bytes = (const uint8_t *)nfct_get_attr(ct, v6_attr);
        if (bytes == NULL) return address;
        for (int i = 0; i < 8; i++) address.high = (address.high << 8) | bytes[i];
        for (int i = 8; i < 16; i++) address.low = (address.low << 8) | bytes[i];
    } else {
        address.low = ntohl(nfct_get_attr_u32(ct, v4_attr));
    }
    return address;
}

static inline int kpx_ct_dump_callback(enum nf_conntrack_msg_type type, struct nf_conntrack *ct, void *data) {
    (void)type;
    struct kpx_ct_dump_state *state = (struct kpx_ct_dump_state *)data;
    uint8_t protocol = nfct_get_attr_u8(ct, ATTR_L4PROTO);
    if (!(state->protocol_mask[protocol / 8] & (1u << (protocol % 8)))) return NFCT_CB_CONTINUE;
    int v6 = state->family == AF_INET6;
    struct kpx_ct_entry entry;
    memset(&entry, 0, sizeof(entry));
    entry.family = state->family;
    entry.protocol = protocol;
    entry.zone = nfct_attr_is_set(ct, ATTR_ZONE) > 0 ? nfct_get_attr_u16(ct, ATTR_ZONE) : 0;
    entry.original_source_port = ntohs(nfct_get_attr_u16(ct, ATTR_ORIG_PORT_SRC));
    entry.original_destination_port = ntohs(nfct_get_attr_u16(ct, ATTR_ORIG_PORT_DST));
    entry.original_source = kpx_ct_read_address(ct, v6, ATTR_ORIG_IPV4_SRC, ATTR_ORIG_IPV6_SRC);
    entry.original_destination = kpx_ct_read_address(ct, v6, ATTR_ORIG_IPV4_DST, ATTR_ORIG_IPV6_DST);
    entry.reply_source = kpx_ct_read_address(ct, v6, ATTR_REPL_IPV4_SRC, ATTR_REPL_IPV6_SRC);
    state->visit(&entry, state->context);
    return NFCT_CB_CONTINUE;
}

/// Dumps the family's table, visiting the entries of the protocols in `protocols`
/// (`count` of them). Returns 0, or -1 with errno set.
static inline int kpx_ct_dump(struct nfct_handle *handle, uint8_t family, const uint8_t *protocols, int count,
                              kpx_ct_visitor visit, void *context) {
    struct kpx_ct_dump_state state;
    memset(&state, 0, sizeof(state));
    state.visit = visit;
    state.context = context;
    state.family = family;
    for (int i = 0; i < count; i++) state.protocol_mask[protocols[i] / 8] |= (uint8_t)(1u << (protocols[i] % 8));
    if (nfct_callback_register(handle, NFCT_T_ALL, kpx_ct_dump_callback, &state) < 0) return -1;
    uint32_t query_family = family;
    int result = nfct_query(handle, NFCT_Q_DUMP, &query_family);
    int saved = errno;
    nfct_callback_unregister(handle);
    errno = saved;
    return result;
}

static inline void kpx_ct_set_address(struct nf_conntrack *ct, int v6, enum nf_conntrack_attr v4_attr,
                                      enum nf_conntrack_attr v6_attr, struct kpx_ct_address address) {
    if (v6) {
        uint8_t bytes[16];
        for (int i = 0; i < 8; i++) bytes[i] = (uint8_t)(address.high >> (56 - 8 * i));
        for (int i = 0; i < 8; i++) bytes[8 + i] = (uint8_t)(address.low >> (56 - 8 * i));
        nfct_set_attr(ct, v6_attr, bytes);
    } else {
        nfct_set_attr_u32(ct, v4_attr, htonl((uint32_t)address.low));
    }
}

/// Deletes the entry with `entry`'s original tuple. Returns 0, or -1 with errno set
/// (ENOENT: it had gone already).
static inline int kpx_ct_delete(struct nfct_handle *handle, const struct kpx_ct_entry *entry) {
    struct nf_conntrack *ct = nfct_new();
    if (ct == NULL) return -1;
    int v6 = entry->family == AF_INET6;
    nfct_set_attr_u8(ct, ATTR_L3PROTO, entry->family);
    nfct_set_attr_u8(ct, ATTR_L4PROTO, entry->protocol);
    nfct_set_attr_u16(ct, ATTR_ZONE, entry->zone);
    kpx_ct_set_address(ct, v6, ATTR_ORIG_IPV4_SRC, ATTR_ORIG_IPV6_SRC, entry->original_source);
    kpx_ct_set_address(ct, v6, ATTR_ORIG_IPV4_DST, ATTR_ORIG_IPV6_DST, entry->original_destination);
    nfct_set_attr_u16(ct, ATTR_ORIG_PORT_SRC, htons(entry->original_source_port));
    nfct_set_attr_u16(ct, ATTR_ORIG_PORT_DST, htons(entry->original_destination_port));
    int result = nfct_query(handle, NFCT_Q_DESTROY, ct);
    int saved = errno;
    nfct_destroy(ct);
    errno = saved;
    return result;
}

#endif
