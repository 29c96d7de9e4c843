/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Connection tracking: one LRU hash keyed by the 5-tuple as the first packet
 * carried it. A packet matches its connection forward (same tuple) or as a
 * reply (reversed tuple). Policy decides a connection once, on its first
 * packet; the entry remembers the verdict (redirect + proxy port). A pure
 * SYN on a tuple that the same program created is a new connection and is
 * judged again, so a policy change applies to the next connection even when
 * the client reuses its port. No timeouts: the LRU evicts.
 */
#ifndef CL7_CT_H
#define CL7_CT_H

#include "maps.h"
#include "context.h"

static __always_inline void cl7_ct_reverse(const struct cl7_ct_key *k,
					   struct cl7_ct_key *r)
{
	__builtin_memcpy(r->saddr, k->daddr, 16);
	__builtin_memcpy(r->daddr, k->saddr, 16);
	r->sport = k->dport;
	r->dport = k->sport;
	r->protocol = k->protocol;
	r->family = k->family;
	r->pad = 0;
}

static __always_inline void cl7_ct_touch(struct cl7_ct_entry *e)
{
	/* the coarse clock is a load, not a clocksource read; at most one
	 * write per second per connection keeps the cache line shared */
	__u64 now = bpf_ktime_get_coarse_ns();

	if (now - e->last_seen_ns > 1000000000ULL)
		e->last_seen_ns = now;
}

static __always_inline void cl7_ct_create(const struct cl7_ctx *c, __u8 flags,
					  __u16 proxy_port, __u32 cookie)
{
	struct cl7_ct_entry e = {};

	e.created_ns = bpf_ktime_get_coarse_ns();
	e.last_seen_ns = e.created_ns;
	e.src_identity = c->src_identity;
	e.dst_identity = c->dst_identity;
	e.rule_cookie = cookie;
	e.proxy_port = proxy_port;
	e.flags = flags;
	bpf_map_update_elem(&cl7_ct, &c->pkt.tuple, &e, BPF_ANY);
}

#endif /* CL7_CT_H */
