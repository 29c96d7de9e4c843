/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * CiliumL7 datapath ABI: the ONE definition of every pinned map's key and
 * value shared between the eBPF programs and userspace.
 *
 * The BPF helper owns everything above the "Service load balancing" section;
 * that section (at the end) is owned by the services work (bpf/sock-lb.c,
 * src/Datapath/Services). When merging, keep both.
 */
#ifndef CL7_ABI_H
#define CL7_ABI_H

#include <linux/types.h>

/* ==================================================================== */
/* ==== Service load balancing (socket LB, bpf/sock-lb.c)          ==== */
/* ==================================================================== */
/*
 * Kube-proxy replacement "socket LB", IPv4 services (v4-mapped IPv6 too):
 * cgroup/connect4|6 and cgroup/sendmsg4|6 rewrite a destination VIP:port
 * into a backend's address:port before the kernel routes the socket, so
 * the tc datapath (and policy) only ever sees backend pod addresses.
 * cgroup/getpeername4|6 and cgroup/recvmsg4|6 map the backend back to the
 * VIP so the application keeps seeing the address it asked for.
 *
 * Maps (pinned under the agent's bpffs root as <root>/<name>):
 *
 *   ciliuml7_lb_svc  HASH      cl7_lb4_key -> cl7_lb4_service
 *                    slot 0 of a frontend (VIP, port, proto) is the master
 *                    entry (count, rev_nat_index); slots 1..count hold one
 *                    backend id each.
 *   ciliuml7_lb_be   HASH      __u32 backend id -> cl7_lb4_backend
 *   ciliuml7_lb_rsk  LRU_HASH  cl7_lb4_rev_sk_key -> cl7_lb4_rev_sk
 *                    (socket cookie, backend) -> VIP, written at connect /
 *                    sendmsg, read by getpeername / recvmsg.
 *
 * Update order (userspace, so a connect never sees a half-written service):
 *   1. backends (ciliuml7_lb_be) that are new;
 *   2. backend slots 1..n of the frontend;
 *   3. the master slot 0 with count n (one update = the switch);
 *   4. stale slots n+1..old count;
 *   5. backends no longer referenced by any slot.
 * Delete: master first, then its slots, then unreferenced backends.
 * Addresses and ports are network byte order; ids and counts host order.
 */
#define CL7_LB_MAX_SERVICES	65536	/* slot entries, masters included */
#define CL7_LB_MAX_BACKENDS	65536
#define CL7_LB_MAX_REV_SK	262144

/* cl7_lb4_service.flags */
#define CL7_LB_SVC_F_NONE	0

struct cl7_lb4_key {
	__be32	address;	/* service VIP */
	__be16	dport;		/* service port */
	__u16	backend_slot;	/* 0 = master, 1..count = backend slots */
	__u8	proto;		/* IPPROTO_TCP / IPPROTO_UDP */
	__u8	pad[3];
};

struct cl7_lb4_service {
	__u32	backend_id;	/* slots 1..count: the backend; master: 0 */
	__u16	count;		/* master: number of backend slots */
	__u16	rev_nat_index;	/* master: service id (reported back) */
	__u32	flags;		/* CL7_LB_SVC_F_* */
};

struct cl7_lb4_backend {
	__be32	address;	/* backend pod address */
	__be16	port;		/* backend (target) port */
	__u8	proto;
	__u8	flags;
};

struct cl7_lb4_rev_sk_key {
	__u64	cookie;		/* bpf_get_socket_cookie() */
	__be32	address;	/* backend address the socket was sent to */
	__be16	port;		/* backend port */
	__u16	pad;
};

struct cl7_lb4_rev_sk {
	__be32	address;	/* VIP */
	__be16	port;		/* service port */
	__u16	rev_nat_index;
};

#endif /* CL7_ABI_H */
