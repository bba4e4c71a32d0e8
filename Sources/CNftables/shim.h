// libnftables, the library behind the nft tool: a context, a command buffer run as one
// transaction, and the output and error text it gathers instead of printing.
#ifndef KPX_NFTABLES_SHIM_H
#define KPX_NFTABLES_SHIM_H

#include <nftables/libnftables.h>

#endif
