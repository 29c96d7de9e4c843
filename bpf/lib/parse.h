/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* Packet parsing into a flat tuple (IPv4/IPv6, TCP/UDP/ICMP/ICMPv6). */
#ifndef CL7_PARSE_H
#define CL7_PARSE_H

#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/tcp.h>
#include <linux/udp.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include "abi.h"

/* ICMP types (linux/icmp.h drags in libc headers) */
#define CL7_ICMP_ECHOREPLY	0
#define CL7_ICMP_ECHO		8
#define CL7_ICMPV6_ECHO_REQUEST	128
#define CL7_ICMPV6_ECHO_REPLY	129

#define CL7_TCP_FIN	0x01
#define CL7_TCP_SYN	0x02
#define CL7_TCP_RST	0x04
#define CL7_TCP_ACK	0x10

#define CL7_PARSE_OK		0
#define CL7_PARSE_NOT_IP	1
#define CL7_PARSE_INVALID	2

struct cl7_packet {
	struct cl7_ct_key tuple;	/* saddr, daddr, ports (network order) */
	__be16 policy_port;		/* port the policy sees (ICMP: type) */
	__u8 tcp_flags;
	__u8 icmp_type;
	__u8 is_ndp;			/* ICMPv6 NDP/MLD: always pass */
	__u8 pad[3];
	__u32 len;
};

static __always_inline int cl7_parse_l4(void *l4, void *data_end,
					struct cl7_packet *pkt)
{
	switch (pkt->tuple.protocol) {
	case IPPROTO_TCP: {
		struct tcphdr *th = l4;

		if ((void *)(th + 1) > data_end)
			return CL7_PARSE_INVALID;
		pkt->tuple.sport = th->source;
		pkt->tuple.dport = th->dest;
		pkt->policy_port = th->dest;
		pkt->tcp_flags = ((__u8 *)th)[13];
		break;
	}
	case IPPROTO_UDP: {
		struct udphdr *uh = l4;

		if ((void *)(uh + 1) > data_end)
			return CL7_PARSE_INVALID;
		pkt->tuple.sport = uh->source;
		pkt->tuple.dport = uh->dest;
		pkt->policy_port = uh->dest;
		break;
	}
	case IPPROTO_ICMP:
	case IPPROTO_ICMPV6: {
		/* type, code, checksum, then the echo id */
		__u8 *ih = l4;

		if ((void *)(ih + 8) > data_end)
			return CL7_PARSE_INVALID;
		pkt->icmp_type = ih[0];
		pkt->policy_port = bpf_htons(ih[0]);
		if ((pkt->tuple.protocol == IPPROTO_ICMP &&
		     (ih[0] == CL7_ICMP_ECHO || ih[0] == CL7_ICMP_ECHOREPLY)) ||
		    (pkt->tuple.protocol == IPPROTO_ICMPV6 &&
		     (ih[0] == CL7_ICMPV6_ECHO_REQUEST || ih[0] == CL7_ICMPV6_ECHO_REPLY))) {
			__be16 id = *(__be16 *)(ih + 4);

			pkt->tuple.sport = id;
			pkt->tuple.dport = id;
		}
		/* link-local control: MLD (130-132, 143) and neighbour
		 * discovery (133-137) are never subject to policy */
		if (pkt->tuple.protocol == IPPROTO_ICMPV6 &&
		    ((ih[0] >= 130 && ih[0] <= 137) || ih[0] == 143))
			pkt->is_ndp = 1;
		break;
	}
	default:
		break;
	}
	return CL7_PARSE_OK;
}

static __always_inline int cl7_parse(struct __sk_buff *skb, struct cl7_packet *pkt)
{
	void *data = (void *)(long)skb->data;
	void *data_end = (void *)(long)skb->data_end;
	struct ethhdr *eth = data;

	__builtin_memset(pkt, 0, sizeof(*pkt));
	pkt->len = skb->len;
	if ((void *)(eth + 1) > data_end)
		return CL7_PARSE_NOT_IP;

	if (eth->h_proto == bpf_htons(ETH_P_IP)) {
		struct iphdr *ip = (void *)(eth + 1);
		__u32 ihl;

		if ((void *)(ip + 1) > data_end)
			return CL7_PARSE_INVALID;
		ihl = ip->ihl * 4;
		if (ihl < sizeof(*ip))
			return CL7_PARSE_INVALID;
		pkt->tuple.family = CL7_FAMILY_IPV4;
		pkt->tuple.protocol = ip->protocol;
		__builtin_memcpy(pkt->tuple.saddr, &ip->saddr, 4);
		__builtin_memcpy(pkt->tuple.daddr, &ip->daddr, 4);
		/* non-first fragments carry no L4 header: ports stay 0 */
		if (ip->frag_off & bpf_htons(0x1FFF))
			return CL7_PARSE_OK;
		if ((void *)ip + ihl > data_end)
			return CL7_PARSE_INVALID;
		return cl7_parse_l4((void *)ip + ihl, data_end, pkt);
	}
	if (eth->h_proto == bpf_htons(ETH_P_IPV6)) {
		struct ipv6hdr *ip6 = (void *)(eth + 1);

		if ((void *)(ip6 + 1) > data_end)
			return CL7_PARSE_INVALID;
		pkt->tuple.family = CL7_FAMILY_IPV6;
		/* extension headers are not walked: their protocol is the key */
		pkt->tuple.protocol = ip6->nexthdr;
		__builtin_memcpy(pkt->tuple.saddr, &ip6->saddr, 16);
		__builtin_memcpy(pkt->tuple.daddr, &ip6->daddr, 16);
		return cl7_parse_l4(ip6 + 1, data_end, pkt);
	}
	return CL7_PARSE_NOT_IP;
}

#endif /* CL7_PARSE_H */
