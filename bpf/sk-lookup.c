// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * sk-lookup: BPF_SK_LOOKUP on the node's network namespace (the agent's).
 *
 * The stack runs it whenever it looks for a listening socket for a new TCP
 * connection. It matters in one case: a SYN to the proxy on a tuple whose
 * earlier connection left the proxy's accepted socket in TIME_WAIT. The
 * client reuses its port at once (HTTP/1.1 `Connection: close`, the proxy
 * closed first); from-container does not bpf_sk_assign such a SYN (the
 * request socket would collide with the TIME_WAIT entry and the stack would
 * drop it) but only marks it for local delivery. The stack finds the
 * TIME_WAIT socket, accepts the SYN as a new connection (TCP_TW_SYN) and
 * asks for a listener on the original destination port — nobody listens
 * there, so this program answers with the proxy listener of the
 * connection's redirect:
 *
 *   CT entry of the tuple (remote -> local, as the SYN carried it)
 *     with CL7_CT_REDIRECT  ->  cl7_proxy_listeners[family << 16 | port]
 *     ->  bpf_sk_assign
 *
 * Anything else (no CT entry, no redirect, no registered listener, UDP)
 * passes untouched: the stack's own lookup runs as if we were not here.
 */
#include "maps.h"
#include "context.h"

#define CL7_AF_INET	2
#define CL7_AF_INET6	10

SEC("sk_lookup")
int cl7_sk_lookup(struct bpf_sk_lookup *ctx)
{
	struct cl7_ct_key key = {};
	struct cl7_ct_entry *ct;
	struct bpf_sock *sk;
	__u32 listener;

	if (ctx->protocol != IPPROTO_TCP)
		return SK_PASS;
	if (ctx->family == CL7_AF_INET) {
		key.family = CL7_FAMILY_IPV4;
		__builtin_memcpy(key.saddr, &ctx->remote_ip4, 4);
		__builtin_memcpy(key.daddr, &ctx->local_ip4, 4);
	} else if (ctx->family == CL7_AF_INET6) {
		__u32 r[4], l[4];

		/* one 4-byte read per field: the context allows no wider access */
		r[0] = ctx->remote_ip6[0];
		r[1] = ctx->remote_ip6[1];
		r[2] = ctx->remote_ip6[2];
		r[3] = ctx->remote_ip6[3];
		l[0] = ctx->local_ip6[0];
		l[1] = ctx->local_ip6[1];
		l[2] = ctx->local_ip6[2];
		l[3] = ctx->local_ip6[3];
		key.family = CL7_FAMILY_IPV6;
		__builtin_memcpy(key.saddr, r, 16);
		__builtin_memcpy(key.daddr, l, 16);
	} else {
		return SK_PASS;
	}
	key.sport = ctx->remote_port;
	key.dport = bpf_htons((__u16)ctx->local_port);
	key.protocol = IPPROTO_TCP;

	ct = bpf_map_lookup_elem(&cl7_ct, &key);
	if (!ct || !(ct->flags & CL7_CT_REDIRECT) || !ct->proxy_port)
		return SK_PASS;

	listener = cl7_proxy_listener_key(key.family, ct->proxy_port);
	sk = bpf_map_lookup_elem(&cl7_proxy_listeners, &listener);
	if (!sk)
		return SK_PASS;
	bpf_sk_assign(ctx, sk, 0);	/* on failure the stack's lookup runs */
	bpf_sk_release(sk);
	return SK_PASS;
}

char _license[] SEC("license") = "Dual BSD/GPL";
