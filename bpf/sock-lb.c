// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * sock-lb: socket-level service load balancing ("socket LB"), attached to
 * the cgroup v2 root so every socket on the host - pods are network
 * namespaces whose processes live in the root cgroup - goes through it.
 *
 *   connect(VIP:port)  --cgroup/connect4|6-->  connect(backend:port)
 *   sendto(VIP:port)   --cgroup/sendmsg4|6-->  sendto(backend:port)
 *   getpeername()      --cgroup/getpeername4|6--> VIP:port
 *   recvfrom()         --cgroup/recvmsg4|6-->  source VIP:port
 *
 * The rewrite happens before routing, so the packets the tc datapath sees
 * (and judges with policy) carry the backend pod's address and identity.
 * Only destinations present in ciliuml7_lb_svc are touched; every other
 * address passes unchanged. IPv6 sockets are handled for v4-mapped
 * destinations (dual-stack sockets such as .NET's) only.
 */
#include "lb.h"

#define SYS_REJECT	0
#define SYS_PROCEED	1

static __always_inline int
sock4_fwd(struct bpf_sock_addr *ctx)
{
	__be32 addr = ctx->user_ip4;
	__be16 port = (__be16)ctx->user_port;
	int ret;

	ret = lb4_xlate_fwd(ctx, &addr, &port, (__u8)ctx->protocol);
	if (ret == LB_XLATE_NONE)
		return SYS_PROCEED;
	if (ret == LB_XLATE_NO_BACKEND) {
		/* A service without backends refuses, like kube-proxy. */
		bpf_set_retval(-ECONNREFUSED);
		return SYS_REJECT;
	}
	ctx->user_ip4 = addr;
	ctx->user_port = (__u32)port;
	return SYS_PROCEED;
}

static __always_inline int
sock6_fwd(struct bpf_sock_addr *ctx)
{
	__be32 addr;
	__be16 port = (__be16)ctx->user_port;
	int ret;

	if (!lb_is_v4_mapped(ctx))
		return SYS_PROCEED;
	addr = ctx->user_ip6[3];
	ret = lb4_xlate_fwd(ctx, &addr, &port, (__u8)ctx->protocol);
	if (ret == LB_XLATE_NONE)
		return SYS_PROCEED;
	if (ret == LB_XLATE_NO_BACKEND) {
		bpf_set_retval(-ECONNREFUSED);
		return SYS_REJECT;
	}
	ctx->user_ip6[3] = addr;
	ctx->user_port = (__u32)port;
	return SYS_PROCEED;
}

static __always_inline int
sock4_rev(struct bpf_sock_addr *ctx)
{
	__be32 addr = ctx->user_ip4;
	__be16 port = (__be16)ctx->user_port;

	if (lb4_xlate_rev(ctx, &addr, &port)) {
		ctx->user_ip4 = addr;
		ctx->user_port = (__u32)port;
	}
	return SYS_PROCEED;
}

static __always_inline int
sock6_rev(struct bpf_sock_addr *ctx)
{
	__be32 addr;
	__be16 port = (__be16)ctx->user_port;

	if (!lb_is_v4_mapped(ctx))
		return SYS_PROCEED;
	addr = ctx->user_ip6[3];
	if (lb4_xlate_rev(ctx, &addr, &port)) {
		ctx->user_ip6[3] = addr;
		ctx->user_port = (__u32)port;
	}
	return SYS_PROCEED;
}

SEC("cgroup/connect4")
int cl7_sock4_connect(struct bpf_sock_addr *ctx)
{
	return sock4_fwd(ctx);
}

SEC("cgroup/sendmsg4")
int cl7_sock4_sendmsg(struct bpf_sock_addr *ctx)
{
	return sock4_fwd(ctx);
}

SEC("cgroup/recvmsg4")
int cl7_sock4_recvmsg(struct bpf_sock_addr *ctx)
{
	return sock4_rev(ctx);
}

SEC("cgroup/getpeername4")
int cl7_sock4_getpeername(struct bpf_sock_addr *ctx)
{
	return sock4_rev(ctx);
}

SEC("cgroup/connect6")
int cl7_sock6_connect(struct bpf_sock_addr *ctx)
{
	return sock6_fwd(ctx);
}

SEC("cgroup/sendmsg6")
int cl7_sock6_sendmsg(struct bpf_sock_addr *ctx)
{
	return sock6_fwd(ctx);
}

SEC("cgroup/recvmsg6")
int cl7_sock6_recvmsg(struct bpf_sock_addr *ctx)
{
	return sock6_rev(ctx);
}

SEC("cgroup/getpeername6")
int cl7_sock6_getpeername(struct bpf_sock_addr *ctx)
{
	return sock6_rev(ctx);
}

char _license[] SEC("license") = "Dual BSD/GPL";
