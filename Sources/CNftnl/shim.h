// libnftnl and libmnl: nf_tables objects built into netlink messages and sent as one batch,
// without libnftables' parser and its listing of the whole table before every transaction.
#ifndef KPX_NFTNL_SHIM_H
#define KPX_NFTNL_SHIM_H

#include <stdint.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nf_nat.h>
#include <libmnl/libmnl.h>
#include <libnftnl/common.h>
#include <libnftnl/table.h>
#include <libnftnl/chain.h>
#include <libnftnl/rule.h>
#include <libnftnl/expr.h>
#include <libnftnl/set.h>
#include <libnftnl/udata.h>

#endif
