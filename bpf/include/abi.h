/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * CiliumL7 datapath ABI: the ONE definition of every pinned map's key and
 * value, every enum and every event shared between the eBPF programs and
 * userspace (src/Datapath/Abi mirrors it; a test checks every size and field
 * offset against this object's BTF).
 *
 * Rules: fixed-size types only, explicit padding, no bitfields, natural
 * alignment. Addresses and ports are in NETWORK byte order where the packet
 * carries them (marked __be*); identities, endpoint ids and cookies are host
 * order.
 *
 * Maps (pinned under the agent's bpffs root, e.g. /sys/fs/bpf/ciliuml7/<name>):
 *
 *   cl7_endpoints  HASH      __u32 ifindex (host-side veth) -> cl7_endpoint
 *   cl7_ep_policy  HASH      __u32 endpoint id -> cl7_ep_policy
 *                            (enforcement flags + active policy generation;
 *                            written with ONE update to flip a policy)
 *   cl7_ipcache    LPM_TRIE  cl7_ipcache_key -> cl7_ipcache_value
 *   cl7_policy     LPM_TRIE  cl7_policy_key -> cl7_policy_value
 *   cl7_ct         LRU_HASH  cl7_ct_key -> cl7_ct_entry
 *   cl7_events     RINGBUF   cl7_event records
 *   cl7_counters   PERCPU_ARRAY __u32 CL7_COUNTER_INDEX(dir, reason) -> cl7_metrics_value
 *   cl7_netdevs    HASH      __u32 ifindex -> __u32 1 (uplinks with from-netdev;
 *                            userspace bookkeeping for cleanup)
 *
 * Policy lookup (see lib/policy.h), Cilium's order:
 *   id/proto/port -> ANY/proto/port -> id/proto/ANY -> ANY/proto/ANY
 *   -> id/ANY/ANY -> ANY/ANY/ANY -> else drop (POLICY_DENIED),
 * when enforcement for that direction is on. Deny entries (kind DENY) are
 * looked up first, for the remote identity and for ANY, and always win.
 *
 * Port ranges: cl7_policy is an LPM trie; the L4 part of the key
 * (protocol, then the big-endian port) is prefix-matched, so userspace
 * splits a range [port, endPort] into power-of-two aligned blocks, each one
 * entry with prefixlen = CL7_POLICY_PREFIX_PROTO + (16 - block bits).
 * Protocol ANY means "every protocol and port" (prefixlen
 * CL7_POLICY_PREFIX_FIXED); a port with protocol ANY is expanded by
 * userspace to TCP, UDP and SCTP. For ICMP/ICMPv6 the "port" is the ICMP
 * type. Between an identity match and an ANY match, the longer L4 prefix
 * wins, ties go to the identity (cl7_policy_value.l4_prefix says which).
 *
 * Atomic policy updates: every policy key carries a generation bit. The
 * agent writes the new generation's entries, flips cl7_ep_policy.gen (and
 * the enforcement flags) with one map update, then deletes the old
 * generation's entries. A packet reads cl7_ep_policy once, so it sees the
 * old or the new policy, never a mix.
 */
#ifndef CL7_ABI_H
#define CL7_ABI_H

#include <linux/types.h>

/* ---- Identities (Cilium's numbers) ---- */
#define CL7_ID_UNKNOWN		0
#define CL7_ID_HOST		1
#define CL7_ID_WORLD		2

/* ---- Marks (Cilium's values) ---- */
#define CL7_MARK_MAGIC_MASK		0x0F00
/* skb->mark = 0x0200 | (proxy_port << 16): routed locally by
 * "ip rule fwmark 0x200/0xf00 lookup 2004" + "local 0.0.0.0/0 dev lo table 2004" */
#define CL7_MARK_MAGIC_TO_PROXY		0x0200
/* Set by the proxy (SO_MARK) on its upstream sockets: never redirected again,
 * the proxy already judged the connection. 0x0A00 (upstreams of INGRESS
 * redirects) and 0x0B00 (EGRESS redirects, or any while the proxy does not
 * distinguish) are both final today. Planned: once the proxy marks ingress
 * upstreams 0x0A00, 0x0B00 will mean "the destination's ingress policy still
 * applies" (Cilium's semantics), closing the egress+ingress double-L7 gap. */
#define CL7_MARK_MAGIC_PROXY_INGRESS	0x0A00
#define CL7_MARK_MAGIC_PROXY_EGRESS	0x0B00
#define CL7_PROXY_ROUTE_TABLE		2004

/* ---- Directions (Hubble TrafficDirection) ---- */
#define CL7_DIR_INGRESS		1
#define CL7_DIR_EGRESS		2

/* ---- Address families in keys/events ---- */
#define CL7_FAMILY_IPV4		4
#define CL7_FAMILY_IPV6		6

/* ---- Drop reasons (Cilium's numbers, positive) ---- */
#define CL7_REASON_FORWARDED		0
#define CL7_DROP_INVALID_SIP		132	/* a pod sent with an address not its own */
#define CL7_DROP_POLICY_DENIED		133
#define CL7_DROP_INVALID_PACKET		134
#define CL7_DROP_PROXY_LOOKUP_FAILED	178
#define CL7_DROP_PROXY_SET_FAILED	179
#define CL7_DROP_POLICY_DENY		181

/* ---- Event types (Cilium monitor / Hubble CiliumEventType) ---- */
#define CL7_EVENT_DROP			1
#define CL7_EVENT_TRACE			4
#define CL7_EVENT_POLICY_VERDICT	5

/* ---- Verdicts in events (Hubble Verdict numbers) ---- */
#define CL7_VERDICT_FORWARDED		1
#define CL7_VERDICT_DROPPED		2
#define CL7_VERDICT_AUDIT		4	/* let through: only audited policies would drop it */
#define CL7_VERDICT_REDIRECTED		5

/* ---- Policy match types (Hubble policy_match_type) ---- */
#define CL7_MATCH_NONE		0
#define CL7_MATCH_L3_ONLY	1	/* id/ANY/ANY */
#define CL7_MATCH_L3_L4		2	/* id/proto/port */
#define CL7_MATCH_L4_ONLY	3	/* ANY/proto/port */
#define CL7_MATCH_ALL		4	/* ANY/ANY/ANY */
#define CL7_MATCH_L3_PROTO	5	/* id/proto/ANY */
#define CL7_MATCH_PROTO_ONLY	6	/* ANY/proto/ANY */

/* ---- cl7_endpoints ---- */
struct cl7_endpoint {
	__u32 endpoint_id;
	__u32 identity;
	__u32 flags;		/* reserved, 0 */
	__u32 pad;
};

/* ---- cl7_ep_policy ---- */
#define CL7_EP_INGRESS_ENFORCED	(1 << 0)
#define CL7_EP_EGRESS_ENFORCED	(1 << 1)
/* Audit mode: the direction's entries come from audited policies only; what
 * they would drop (default deny, explicit deny) passes and is reported with
 * verdict CL7_VERDICT_AUDIT. Costs nothing when unset: the flag is read with
 * the enforcement flags, and only on the drop path. */
#define CL7_EP_INGRESS_AUDIT	(1 << 2)
#define CL7_EP_EGRESS_AUDIT	(1 << 3)
/* Audited policies beside enforcing ones: the direction's entries decide as
 * usual; when they let a new connection through, the audit entries
 * (CL7_POLICY_KIND_AUDIT_*: what the audited policies alone would decide) are
 * looked up too, and a drop there is reported with verdict CL7_VERDICT_AUDIT.
 * Unset: not one extra lookup. */
#define CL7_EP_INGRESS_AUDIT_BESIDE	(1 << 4)
#define CL7_EP_EGRESS_AUDIT_BESIDE	(1 << 5)

struct cl7_ep_policy {
	__u8 gen;		/* active generation: 0 or 1 */
	__u8 flags;		/* CL7_EP_*_ENFORCED, CL7_EP_*_AUDIT* */
	__u16 pad;
	__u32 revision;		/* agent's policy revision, copied into events */
};

/* ---- cl7_ipcache ---- */
/* prefixlen = CL7_IPCACHE_PREFIX_FIXED + IP prefix length */
#define CL7_IPCACHE_PREFIX_FIXED	32

struct cl7_ipcache_key {
	__u32 prefixlen;
	__u8 family;		/* CL7_FAMILY_* */
	__u8 pad[3];
	__u8 addr[16];		/* IPv4 in the first 4 bytes */
};

struct cl7_ipcache_value {
	__u32 identity;
	__u32 endpoint_id;	/* != 0: a local endpoint */
};

/* ---- cl7_policy ---- */
#define CL7_POLICY_KIND_ALLOW	0	/* allow and redirect entries */
#define CL7_POLICY_KIND_DENY	1
#define CL7_POLICY_KIND_AUDIT_ALLOW	2	/* audited policies' allows (beside enforcing ones) */
#define CL7_POLICY_KIND_AUDIT_DENY	3	/* audited policies' denies (beside enforcing ones) */

/* endpoint_id, identity, gen, direction, kind: always fully matched */
#define CL7_POLICY_PREFIX_FIXED	88
#define CL7_POLICY_PREFIX_PROTO	96	/* + protocol */
#define CL7_POLICY_PREFIX_FULL	112	/* + 16-bit port */

struct cl7_policy_key {
	__u32 prefixlen;
	__u32 endpoint_id;
	__u32 identity;		/* remote identity, 0 = ANY */
	__u8 gen;
	__u8 direction;		/* CL7_DIR_* */
	__u8 kind;		/* CL7_POLICY_KIND_* */
	__u8 protocol;		/* IPPROTO_*, 0 = ANY */
	__be16 dport;		/* network order; ICMP type for ICMP */
	__u16 pad;
};

#define CL7_POLICY_ALLOW	1
#define CL7_POLICY_DENY		2
#define CL7_POLICY_REDIRECT	3

struct cl7_policy_value {
	__u8 verdict;		/* CL7_POLICY_* */
	__u8 l4_prefix;		/* prefixlen - CL7_POLICY_PREFIX_FIXED: 0..24 */
	__u16 proxy_port;	/* host order, for REDIRECT */
	__u32 cookie;		/* rule id, named by events */
};

/* ---- cl7_ct ---- */
struct cl7_ct_key {
	__u8 saddr[16];
	__u8 daddr[16];
	__be16 sport;
	__be16 dport;		/* ICMP echo: both ports are the echo id */
	__u8 protocol;
	__u8 family;
	__u16 pad;
};

#define CL7_CT_REDIRECT		(1 << 0)	/* forward packets go to the proxy */
#define CL7_CT_PROXY_UPSTREAM	(1 << 1)	/* opened by the proxy: replies go back to it */
#define CL7_CT_FROM_CONTAINER	(1 << 2)	/* created by from-container */
#define CL7_CT_TO_CONTAINER	(1 << 3)	/* created by to-container */

struct cl7_ct_entry {
	__u64 created_ns;	/* bpf_ktime_get_coarse_ns() (CLOCK_MONOTONIC_COARSE) */
	__u64 last_seen_ns;	/* same clock, refreshed at most once a second */
	__u32 src_identity;
	__u32 dst_identity;
	__u32 rule_cookie;
	__u16 proxy_port;	/* host order */
	__u8 flags;		/* CL7_CT_* */
	__u8 pad;
	__u64 reserved;
};

/* ---- cl7_events ---- */
struct cl7_event {
	__u64 timestamp_ns;	/* bpf_ktime_get_ns() (CLOCK_MONOTONIC) */
	__u8 type;		/* CL7_EVENT_* */
	__u8 reason;		/* CL7_DROP_* or CL7_REASON_FORWARDED */
	__u8 direction;		/* CL7_DIR_*: whose policy decided */
	__u8 family;		/* CL7_FAMILY_* */
	__u8 protocol;
	__u8 match_type;	/* CL7_MATCH_* */
	__u8 verdict;		/* CL7_VERDICT_* */
	__u8 tcp_flags;
	__u32 ifindex;
	__u32 src_identity;
	__u32 dst_identity;
	__u32 src_endpoint;
	__u32 dst_endpoint;
	__u32 rule_cookie;
	__u32 policy_revision;
	__u32 pkt_len;
	__u16 sport;		/* host order */
	__u16 dport;		/* host order; ICMP: type */
	__u16 proxy_port;
	__u8 is_reply;
	__u8 pad;
	__u8 saddr[16];
	__u8 daddr[16];
};

/* ---- cl7_counters ---- */
/* direction 0..2 (0 unused), reason 0 = forwarded or a CL7_DROP_* */
#define CL7_COUNTERS_MAX		768
#define CL7_COUNTER_INDEX(dir, reason)	(((__u32)(dir) << 8) | (__u32)(reason))

struct cl7_metrics_value {
	__u64 packets;
	__u64 bytes;
};

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
 *   ciliuml7_lb_ns   HASH      __u64 netns cookie -> cl7_lb_netns
 *                    the network namespaces this agent serves (its pods and
 *                    its own); a socket elsewhere is never translated, so
 *                    several agents ("nodes") on one host cannot steal each
 *                    other's VIPs. Key CL7_LB_NETNS_ANY (0) = every netns.
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
#define CL7_LB_MAX_NETNS	16384
#define CL7_LB_NETNS_ANY	0	/* netns cookies start at 1 */

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

struct cl7_lb_netns {
	__u32	flags;		/* reserved, 0 */
	__u32	pad;
};

#endif /* CL7_ABI_H */
