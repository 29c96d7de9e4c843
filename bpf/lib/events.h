/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* Drop and policy-verdict events to userspace through the ring buffer. */
#ifndef CL7_EVENTS_H
#define CL7_EVENTS_H

#include "maps.h"
#include "context.h"
#include "metrics.h"

static __always_inline void cl7_emit(const struct cl7_ctx *c, __u8 type,
				     __u8 reason, __u8 verdict, __u8 direction,
				     const struct cl7_verdict *v, __u16 proxy_port,
				     __u8 is_reply)
{
	struct cl7_event *ev;

	ev = bpf_ringbuf_reserve(&cl7_events, sizeof(*ev), 0);
	if (!ev)
		return;	/* ring full: the counters still see the packet */
	ev->timestamp_ns = bpf_ktime_get_ns();
	ev->type = type;
	ev->reason = reason;
	ev->direction = direction;
	ev->family = c->pkt.tuple.family;
	ev->protocol = c->pkt.tuple.protocol;
	ev->match_type = v ? v->match_type : CL7_MATCH_NONE;
	ev->verdict = verdict;
	ev->tcp_flags = c->pkt.tcp_flags;
	ev->ifindex = c->ifindex;
	ev->src_identity = c->src_identity;
	ev->dst_identity = c->dst_identity;
	ev->src_endpoint = c->src_endpoint;
	ev->dst_endpoint = c->dst_endpoint;
	ev->rule_cookie = v ? v->cookie : 0;
	ev->policy_revision = v ? v->revision : 0;
	ev->pkt_len = c->pkt.len;
	ev->sport = bpf_ntohs(c->pkt.tuple.sport);
	ev->dport = c->pkt.tuple.protocol == IPPROTO_ICMP ||
		    c->pkt.tuple.protocol == IPPROTO_ICMPV6 ?
		    c->pkt.icmp_type : bpf_ntohs(c->pkt.tuple.dport);
	ev->proxy_port = proxy_port;
	ev->is_reply = is_reply;
	ev->pad = 0;
	__builtin_memcpy(ev->saddr, c->pkt.tuple.saddr, 16);
	__builtin_memcpy(ev->daddr, c->pkt.tuple.daddr, 16);
	bpf_ringbuf_submit(ev, 0);
}

/* The policy-verdict event of a new connection, if the direction enforces
 * policy: FORWARDED/REDIRECTED, or AUDIT with the drop reason it escaped. */
static __always_inline void cl7_emit_verdict(const struct cl7_ctx *c,
					     const struct cl7_verdict *v,
					     __u8 direction, int redirected,
					     __u16 proxy_port)
{
	if (!v->enforced)
		return;
	if (v->audited)
		cl7_emit(c, CL7_EVENT_POLICY_VERDICT, v->reason, CL7_VERDICT_AUDIT,
			 direction, v, proxy_port, 0);
	else
		cl7_emit(c, CL7_EVENT_POLICY_VERDICT, CL7_REASON_FORWARDED,
			 redirected ? CL7_VERDICT_REDIRECTED : CL7_VERDICT_FORWARDED,
			 direction, v, proxy_port, 0);
}

/* Count, report and drop. */
static __always_inline int cl7_drop(const struct cl7_ctx *c, __u8 reason,
				    __u8 direction, const struct cl7_verdict *v)
{
	cl7_count(reason, direction, c->pkt.len);
	cl7_emit(c, CL7_EVENT_DROP, reason, CL7_VERDICT_DROPPED, direction, v, 0, 0);
	return TC_ACT_SHOT;
}

#endif /* CL7_EVENTS_H */
