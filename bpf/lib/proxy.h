/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Redirect to the node's transparent proxy (Cilium's marks and routing). Only at tc ingress:
 * bpf_sk_assign does not work on egress.
 *   1. the packet's own tuple: an established socket (not LISTEN, not
 *      TIME_WAIT) — the proxy's accepted socket for later client packets,
 *      or the proxy's transparent upstream socket for the server's replies;
 *      a TIME_WAIT socket there: mark only, no assign — the stack retires
 *      it and sk-lookup.c picks the listener (see 1b below);
 *   2. else the proxy listener on the redirect's port (bound to 0.0.0.0:P
 *      or [::]:P with IP_TRANSPARENT; any local address matches);
 *   3. bpf_sk_assign + skb->mark = 0x0200 | port << 16, so the node's
 *      "fwmark 0x200/0xf00 lookup 2004" rule delivers it locally.
 * No socket: the caller drops with PROXY_LOOKUP_FAILED (fail closed).
 */
#ifndef CL7_PROXY_H
#define CL7_PROXY_H

#include "context.h"

static __always_inline __u32 cl7_sock_tuple(const struct cl7_packet *pkt,
					    struct bpf_sock_tuple *t)
{
	if (pkt->tuple.family == CL7_FAMILY_IPV4) {
		__builtin_memcpy(&t->ipv4.saddr, pkt->tuple.saddr, 4);
		__builtin_memcpy(&t->ipv4.daddr, pkt->tuple.daddr, 4);
		t->ipv4.sport = pkt->tuple.sport;
		t->ipv4.dport = pkt->tuple.dport;
		return sizeof(t->ipv4);
	}
	__builtin_memcpy(t->ipv6.saddr, pkt->tuple.saddr, 16);
	__builtin_memcpy(t->ipv6.daddr, pkt->tuple.daddr, 16);
	t->ipv6.sport = pkt->tuple.sport;
	t->ipv6.dport = pkt->tuple.dport;
	return sizeof(t->ipv6);
}

static __always_inline void cl7_set_tuple_dport(struct bpf_sock_tuple *t,
						__u8 family, __be16 port)
{
	if (family == CL7_FAMILY_IPV4)
		t->ipv4.dport = port;
	else
		t->ipv6.dport = port;
}

/* Has the agent registered the proxy listener of proxy_port (this family)
 * for cl7_sk_lookup? */
static __always_inline int cl7_proxy_listener_registered(__u8 family, __u16 proxy_port)
{
	__u32 key = cl7_proxy_listener_key(family, proxy_port);
	struct bpf_sock *sk = bpf_map_lookup_elem(&cl7_proxy_listeners, &key);

	if (!sk)
		return 0;
	bpf_sk_release(sk);
	return 1;
}

/* Returns 0 when assigned, else a drop reason. */
static __always_inline int cl7_redirect_to_proxy(struct __sk_buff *skb,
						 const struct cl7_packet *pkt,
						 __u16 proxy_port)
{
	struct bpf_sock_tuple t = {};
	struct bpf_sock *sk;
	int time_wait = 0;
	__u32 len;
	long ret;

	len = cl7_sock_tuple(pkt, &t);
	if (pkt->tuple.protocol == IPPROTO_TCP) {
		/* 1. established socket on the packet's own tuple */
		sk = bpf_skc_lookup_tcp(skb, &t, len, BPF_F_CURRENT_NETNS, 0);
		if (sk) {
			if (sk->state != BPF_TCP_LISTEN &&
			    sk->state != BPF_TCP_TIME_WAIT)
				goto assign;
			time_wait = sk->state == BPF_TCP_TIME_WAIT;
			bpf_sk_release(sk);
		}
		if (!proxy_port)
			return CL7_DROP_PROXY_LOOKUP_FAILED;
		/* 1b. the proxy's accepted socket of an earlier connection on
		 * this tuple is in TIME_WAIT: assigning the listener would make
		 * the stack drop the SYN (its request socket collides with the
		 * TIME_WAIT entry). Leave the packet to the stack, which retires
		 * the TIME_WAIT on a new SYN and looks up a listener for it —
		 * cl7_sk_lookup answers with the proxy listener of this
		 * redirect. Only when that listener is registered for it. */
		if (time_wait && cl7_proxy_listener_registered(pkt->tuple.family, proxy_port)) {
			skb->mark = CL7_MARK_MAGIC_TO_PROXY | ((__u32)proxy_port << 16);
			return 0;
		}
		/* 2. the proxy listener */
		cl7_set_tuple_dport(&t, pkt->tuple.family, bpf_htons(proxy_port));
		sk = bpf_skc_lookup_tcp(skb, &t, len, BPF_F_CURRENT_NETNS, 0);
		if (!sk)
			return CL7_DROP_PROXY_LOOKUP_FAILED;
		if (sk->state != BPF_TCP_LISTEN) {
			bpf_sk_release(sk);
			return CL7_DROP_PROXY_LOOKUP_FAILED;
		}
	} else if (pkt->tuple.protocol == IPPROTO_UDP) {
		/* UDP: the packet's own tuple only for replies to the proxy's
		 * upstream sockets (proxy_port 0), else the proxy's socket */
		if (proxy_port)
			cl7_set_tuple_dport(&t, pkt->tuple.family, bpf_htons(proxy_port));
		sk = bpf_sk_lookup_udp(skb, &t, len, BPF_F_CURRENT_NETNS, 0);
		if (!sk)
			return CL7_DROP_PROXY_LOOKUP_FAILED;
	} else {
		return CL7_DROP_PROXY_LOOKUP_FAILED;
	}
assign:
	/* 3. steer */
	ret = bpf_sk_assign(skb, sk, 0);
	bpf_sk_release(sk);
	if (ret)
		return CL7_DROP_PROXY_SET_FAILED;
	skb->mark = CL7_MARK_MAGIC_TO_PROXY | ((__u32)proxy_port << 16);
	return 0;
}

/*
 * Is the packet addressed to a socket of this node that is bound to the
 * packet's destination address, although that address is a pod's? Only a
 * transparent socket can be: the proxy's upstream socket that kept the
 * pod's address as its source. Used by to-container to catch replies from
 * outside the node to the proxy. Returns 1 when such a socket exists.
 */
static __always_inline int cl7_is_proxy_upstream_reply(struct __sk_buff *skb,
						       const struct cl7_packet *pkt)
{
	struct bpf_sock_tuple t = {};
	struct bpf_sock *sk;
	__u32 len;
	int found = 0;

	len = cl7_sock_tuple(pkt, &t);
	/* full sockets only (same pointer type for both protocols): an
	 * upstream socket is SYN_SENT or ESTABLISHED */
	if (pkt->tuple.protocol == IPPROTO_TCP)
		sk = bpf_sk_lookup_tcp(skb, &t, len, BPF_F_CURRENT_NETNS, 0);
	else if (pkt->tuple.protocol == IPPROTO_UDP)
		sk = bpf_sk_lookup_udp(skb, &t, len, BPF_F_CURRENT_NETNS, 0);
	else
		return 0;
	if (!sk)
		return 0;
	if (sk->state != BPF_TCP_LISTEN && sk->state != BPF_TCP_TIME_WAIT) {
		/* the verifier wants each field read at its own offset from
		 * the socket pointer: volatile keeps clang from folding them */
		__u32 d[4], s0, s1, s2, s3;

		__builtin_memcpy(d, pkt->tuple.daddr, 16);
		if (pkt->tuple.family == CL7_FAMILY_IPV4) {
			s0 = *(volatile __u32 *)&sk->src_ip4;
			found = s0 == d[0];
		} else {
			s0 = *(volatile __u32 *)&sk->src_ip6[0];
			s1 = *(volatile __u32 *)&sk->src_ip6[1];
			s2 = *(volatile __u32 *)&sk->src_ip6[2];
			s3 = *(volatile __u32 *)&sk->src_ip6[3];
			found = s0 == d[0] && s1 == d[1] && s2 == d[2] && s3 == d[3];
		}
	}
	bpf_sk_release(sk);
	return found;
}

#endif /* CL7_PROXY_H */
