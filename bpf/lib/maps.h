/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* The pinned maps. Both programs define them identically; userspace sets one
 * pin path per map so the second object reuses the first one's maps. */
#ifndef CL7_MAPS_H
#define CL7_MAPS_H

#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "abi.h"

#define CL7_ENDPOINTS_MAX	4096
#define CL7_IPCACHE_MAX		65536
#define CL7_POLICY_MAX		65536
#define CL7_CT_MAX		262144
#define CL7_EVENTS_BYTES	(1 << 20)

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, CL7_ENDPOINTS_MAX);
	__type(key, __u32);
	__type(value, struct cl7_endpoint);
	__uint(map_flags, BPF_F_NO_PREALLOC);
} cl7_endpoints SEC(".maps");

/* No prealloc: an update swaps in a new element and frees the old one after
 * an RCU grace period, so a reader never sees a value being rewritten. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, CL7_ENDPOINTS_MAX);
	__type(key, __u32);
	__type(value, struct cl7_ep_policy);
	__uint(map_flags, BPF_F_NO_PREALLOC);
} cl7_ep_policy SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, CL7_IPCACHE_MAX);
	__type(key, struct cl7_ipcache_key);
	__type(value, struct cl7_ipcache_value);
	__uint(map_flags, BPF_F_NO_PREALLOC);
} cl7_ipcache SEC(".maps");

/*
 * Identity (and local endpoint id, 0 if none) of one address, from the
 * ipcache's longest matching prefix; an address not found is world.
 */
static __always_inline void
cl7_ipcache_identity(__u8 family, const __u8 addr[16], __u32 *identity, __u32 *endpoint)
{
	struct cl7_ipcache_key key;
	struct cl7_ipcache_value *val;

	__builtin_memset(&key, 0, sizeof(key));
	key.prefixlen = CL7_IPCACHE_PREFIX_FIXED + 128;
	key.family = family;
	__builtin_memcpy(key.addr, addr, 16);
	val = bpf_map_lookup_elem(&cl7_ipcache, &key);
	*identity = val ? val->identity : CL7_ID_WORLD;
	*endpoint = val ? val->endpoint_id : 0;
}

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, CL7_POLICY_MAX);
	__type(key, struct cl7_policy_key);
	__type(value, struct cl7_policy_value);
	__uint(map_flags, BPF_F_NO_PREALLOC);
} cl7_policy SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, CL7_CT_MAX);
	__type(key, struct cl7_ct_key);
	__type(value, struct cl7_ct_entry);
} cl7_ct SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, CL7_EVENTS_BYTES);
} cl7_events SEC(".maps");

/* index = direction << 8 | reason: an array lookup per packet, no hashing */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, CL7_COUNTERS_MAX);
	__type(key, __u32);
	__type(value, struct cl7_metrics_value);
} cl7_counters SEC(".maps");

/* Bookkeeping for userspace: the uplinks from-netdev is attached to
 * (ifindex -> 1), so a cleanup from the pins alone can detach it. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 64);
	__type(key, __u32);
	__type(value, __u32);
} cl7_netdevs SEC(".maps");

/*
 * The proxy's listening sockets, filled by the agent (key = family << 16 |
 * proxy port, family CL7_FAMILY_*). cl7_sk_lookup hands a SYN that retired
 * a TIME_WAIT socket to the listener of the connection's redirect; a socket
 * leaves the map by itself when it closes.
 */
#define CL7_PROXY_LISTENERS_MAX	4096

struct {
	__uint(type, BPF_MAP_TYPE_SOCKHASH);
	__uint(max_entries, CL7_PROXY_LISTENERS_MAX);
	__type(key, __u32);
	__type(value, __u64);
} cl7_proxy_listeners SEC(".maps");

static __always_inline __u32 cl7_proxy_listener_key(__u8 family, __u16 proxy_port)
{
	return (__u32)family << 16 | proxy_port;
}

/* BTF only describes types that maps, globals or function signatures use;
 * the event is built in place in the ring buffer, so anchor its type here
 * for userspace's layout check (lands in .rodata, never pinned). */
const volatile struct cl7_event cl7_abi_event_anchor;

#endif /* CL7_MAPS_H */
