/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Socket-level service load balancing helpers (maps and lookups).
 * Layouts and update order: see the "Service load balancing" section of
 * include/abi.h.
 */
#ifndef CL7_LIB_LB_H
#define CL7_LIB_LB_H

#include <linux/bpf.h>
#include <linux/in.h>
#include <linux/errno.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#include "abi.h"

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__type(key, struct cl7_lb4_key);
	__type(value, struct cl7_lb4_service);
	__uint(max_entries, CL7_LB_MAX_SERVICES);
} ciliuml7_lb_svc SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__type(key, __u32);
	__type(value, struct cl7_lb4_backend);
	__uint(max_entries, CL7_LB_MAX_BACKENDS);
} ciliuml7_lb_be SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__type(key, struct cl7_lb4_rev_sk_key);
	__type(value, struct cl7_lb4_rev_sk);
	__uint(max_entries, CL7_LB_MAX_REV_SK);
} ciliuml7_lb_rsk SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__type(key, __u64);
	__type(value, struct cl7_lb_netns);
	__uint(max_entries, CL7_LB_MAX_NETNS);
} ciliuml7_lb_ns SEC(".maps");

/* Result of a forward translation. */
enum {
	LB_XLATE_NONE = 0,	/* not a service address: leave the socket alone */
	LB_XLATE_DONE = 1,	/* addr and port now hold the backend */
	LB_XLATE_NO_BACKEND = 2,/* a service, but nothing to send to: refuse */
};

/* Is this socket's network namespace served by this agent? */
static __always_inline int
lb_netns_served(void *ctx)
{
	__u64 cookie = bpf_get_netns_cookie(ctx);

	if (bpf_map_lookup_elem(&ciliuml7_lb_ns, &cookie))
		return 1;
	cookie = CL7_LB_NETNS_ANY;
	return bpf_map_lookup_elem(&ciliuml7_lb_ns, &cookie) != NULL;
}

static __always_inline struct cl7_lb4_service *
lb4_lookup_master(struct cl7_lb4_key *key)
{
	key->backend_slot = 0;
	return bpf_map_lookup_elem(&ciliuml7_lb_svc, key);
}

/*
 * Pick a backend for (addr, port, proto) and rewrite addr/port in place.
 * Selection is uniform random over the master's count slots (Cilium's
 * default "random" socket LB algorithm). A reverse entry keyed by the
 * socket cookie and the chosen backend remembers the VIP for
 * getpeername()/recvmsg().
 */
static __always_inline int
lb4_xlate_fwd(void *ctx, __be32 *addr, __be16 *port, __u8 proto)
{
	struct cl7_lb4_key key = {
		.address = *addr,
		.dport = *port,
		.proto = proto,
	};
	struct cl7_lb4_service *svc, *slot;
	struct cl7_lb4_backend *be;
	struct cl7_lb4_rev_sk_key rkey = {};
	struct cl7_lb4_rev_sk rval = {};
	__u16 rev_nat_index;
	__u32 count;

	/* Service first: most connects are not to a VIP, one lookup for them. */
	svc = lb4_lookup_master(&key);
	if (!svc)
		return LB_XLATE_NONE;
	if (!lb_netns_served(ctx))
		return LB_XLATE_NONE;
	count = svc->count;
	rev_nat_index = svc->rev_nat_index;
	if (count == 0)
		return LB_XLATE_NO_BACKEND;

	key.backend_slot = (bpf_get_prandom_u32() % count) + 1;
	slot = bpf_map_lookup_elem(&ciliuml7_lb_svc, &key);
	if (!slot)
		return LB_XLATE_NO_BACKEND;
	be = bpf_map_lookup_elem(&ciliuml7_lb_be, &slot->backend_id);
	if (!be)
		return LB_XLATE_NO_BACKEND;

	rkey.cookie = bpf_get_socket_cookie(ctx);
	rkey.address = be->address;
	rkey.port = be->port;
	rval.address = *addr;
	rval.port = *port;
	rval.rev_nat_index = rev_nat_index;
	bpf_map_update_elem(&ciliuml7_lb_rsk, &rkey, &rval, BPF_ANY);

	*addr = be->address;
	*port = be->port;
	return LB_XLATE_DONE;
}

/*
 * Map a backend peer (addr, port) of this socket back to the service VIP.
 * Returns 1 when rewritten.
 */
static __always_inline int
lb4_xlate_rev(void *ctx, __be32 *addr, __be16 *port)
{
	struct cl7_lb4_rev_sk_key rkey = {
		.cookie = bpf_get_socket_cookie(ctx),
		.address = *addr,
		.port = *port,
	};
	struct cl7_lb4_rev_sk *rval;

	rval = bpf_map_lookup_elem(&ciliuml7_lb_rsk, &rkey);
	if (!rval)
		return 0;
	*addr = rval->address;
	*port = rval->port;
	return 1;
}

/* ::ffff:a.b.c.d — an IPv4 destination on a dual-stack (AF_INET6) socket. */
static __always_inline int
lb_is_v4_mapped(const struct bpf_sock_addr *ctx)
{
	return ctx->user_ip6[0] == 0 && ctx->user_ip6[1] == 0 &&
	       ctx->user_ip6[2] == bpf_htonl(0x0000ffff);
}

#endif /* CL7_LIB_LB_H */
