/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* What one program run knows about the packet and both of its ends. */
#ifndef CL7_CONTEXT_H
#define CL7_CONTEXT_H

#include "parse.h"

struct cl7_ctx {
	struct cl7_packet pkt;
	__u32 ifindex;
	__u32 src_identity;
	__u32 dst_identity;
	__u32 src_endpoint;	/* 0: not a local endpoint */
	__u32 dst_endpoint;
};

/* The verdict of one direction's policy for one new connection. */
struct cl7_verdict {
	__u8 verdict;		/* CL7_POLICY_* */
	__u8 reason;		/* drop reason when verdict == CL7_POLICY_DENY */
	__u8 match_type;	/* CL7_MATCH_* */
	__u8 enforced;		/* 1: the direction had enforcement on */
	__u16 proxy_port;
	__u8 audited;		/* 1: would drop (reason, cookie), let through by audit mode */
	__u8 pad;
	__u32 cookie;
	__u32 revision;
};

static __always_inline int cl7_is_pure_syn(const struct cl7_packet *pkt)
{
	return pkt->tuple.protocol == IPPROTO_TCP &&
	       (pkt->tcp_flags & (CL7_TCP_SYN | CL7_TCP_ACK)) == CL7_TCP_SYN;
}

#endif /* CL7_CONTEXT_H */
