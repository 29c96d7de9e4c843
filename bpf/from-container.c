// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * from-container: tc ingress of an endpoint's host-side veth, i.e. packets
 * leaving the pod.
 *
 *   0. a packet looped here by to-container for the proxy (mark 0x200):
 *      assign it to the proxy socket and let the stack deliver it;
 *   S. the source address must be this endpoint's own (its ipcache row names
 *      this endpoint), else drop INVALID_SIP: a node that receives the packet
 *      takes the sender's identity from the ipcache by source address, so a pod
 *      must not be able to send with another pod's address (IPv6 sources the
 *      ipcache does not know pass: pods get no IPv6 from the agent);
 *   1. established (CT forward): pass, or back to the proxy socket when the
 *      connection was redirected;
 *   2. reply (CT reverse): pass, or to the proxy's upstream socket;
 *   3. new: source = this endpoint, destination from the ipcache; the
 *      source's EGRESS policy, then the local destination's INGRESS policy;
 *      a drop in either drops; a redirect (egress first) goes to the proxy;
 *      the verdict is remembered in CT, so to-container of a local
 *      destination passes the packet without judging it twice.
 */
#include "maps.h"
#include "parse.h"
#include "context.h"
#include "metrics.h"
#include "events.h"
#include "policy.h"
#include "ct.h"
#include "proxy.h"

/*
 * True when the packet's source address is the endpoint's own: its ipcache
 * row (longest prefix) names this endpoint.
 */
static __always_inline int
cl7_source_is_endpoint(const struct cl7_packet *pkt, __u32 endpoint_id)
{
	struct cl7_ipcache_key key;
	struct cl7_ipcache_value *val;

	__builtin_memset(&key, 0, sizeof(key));
	key.prefixlen = CL7_IPCACHE_PREFIX_FIXED + 128;
	key.family = pkt->tuple.family;
	__builtin_memcpy(key.addr, pkt->tuple.saddr, 16);
	val = bpf_map_lookup_elem(&cl7_ipcache, &key);
	if (val)
		return val->endpoint_id == endpoint_id;
	/* Pods get IPv4 addresses only: an IPv6 source the ipcache does not
	 * know may be the unspecified address (duplicate address detection) or
	 * link-local (neighbour discovery, never routed); any other IPv6 source
	 * would let the pod pose as "world" to the next hop's policy. */
	if (pkt->tuple.family != CL7_FAMILY_IPV6)
		return 0;
	if (pkt->tuple.saddr[0] == 0xfe && (pkt->tuple.saddr[1] & 0xc0) == 0x80)
		return 1;
	for (int i = 0; i < 16; i++)
		if (pkt->tuple.saddr[i])
			return 0;
	return 1;
}

static __always_inline int cl7_to_proxy(struct cl7_ctx *c, struct __sk_buff *skb,
					__u16 proxy_port, __u8 direction)
{
	int reason = cl7_redirect_to_proxy(skb, &c->pkt, proxy_port);

	if (reason)
		return cl7_drop(c, reason, direction, NULL);
	cl7_count(CL7_REASON_FORWARDED, direction, c->pkt.len);
	return TC_ACT_OK;
}

SEC("tc")
int cl7_from_container(struct __sk_buff *skb)
{
	struct cl7_verdict veg, vin;
	struct cl7_endpoint *ep;
	struct cl7_ct_entry *ct;
	struct cl7_ct_key rev;
	struct cl7_ctx c;
	__u16 proxy_port = 0;
	__u32 cookie;
	__u8 ct_flags;
	int ret;

	ret = cl7_parse(skb, &c.pkt);
	if (ret == CL7_PARSE_NOT_IP)
		return TC_ACT_OK;
	c.ifindex = skb->ifindex;
	c.src_identity = 0;
	c.dst_identity = 0;
	c.src_endpoint = 0;
	c.dst_endpoint = 0;

	/* 0. looped back by to-container: only our programs set this mark
	 * (a mark never crosses the veth from the pod) */
	if ((skb->mark & CL7_MARK_MAGIC_MASK) == CL7_MARK_MAGIC_TO_PROXY)
		return cl7_to_proxy(&c, skb, skb->mark >> 16, CL7_DIR_INGRESS);

	ep = bpf_map_lookup_elem(&cl7_endpoints, &c.ifindex);
	if (!ep)
		return TC_ACT_OK;	/* not an endpoint we manage */
	c.src_identity = ep->identity;
	c.src_endpoint = ep->endpoint_id;
	if (ret == CL7_PARSE_INVALID)
		return cl7_drop(&c, CL7_DROP_INVALID_PACKET, CL7_DIR_EGRESS, NULL);
	if (c.pkt.is_ndp)
		return TC_ACT_OK;

	/* S. source address verification */
	if (!cl7_source_is_endpoint(&c.pkt, ep->endpoint_id))
		return cl7_drop(&c, CL7_DROP_INVALID_SIP, CL7_DIR_EGRESS, NULL);

	/* 1. established */
	ct = bpf_map_lookup_elem(&cl7_ct, &c.pkt.tuple);
	if (ct && !(cl7_is_pure_syn(&c.pkt) && (ct->flags & CL7_CT_FROM_CONTAINER))) {
		cl7_ct_touch(ct);
		if (ct->flags & CL7_CT_REDIRECT)
			return cl7_to_proxy(&c, skb, ct->proxy_port, CL7_DIR_EGRESS);
		cl7_count(CL7_REASON_FORWARDED, CL7_DIR_EGRESS, c.pkt.len);
		return TC_ACT_OK;
	}

	/* 2. reply */
	cl7_ct_reverse(&c.pkt.tuple, &rev);
	ct = bpf_map_lookup_elem(&cl7_ct, &rev);
	if (ct) {
		cl7_ct_touch(ct);
		/* a reply to the proxy's transparent upstream socket: give it
		 * to that socket; if it is gone, let the stack decide */
		if (ct->flags & CL7_CT_PROXY_UPSTREAM &&
		    cl7_redirect_to_proxy(skb, &c.pkt, 0) == 0) {
			cl7_count(CL7_REASON_FORWARDED, CL7_DIR_EGRESS, c.pkt.len);
			return TC_ACT_OK;
		}
		cl7_count(CL7_REASON_FORWARDED, CL7_DIR_EGRESS, c.pkt.len);
		return TC_ACT_OK;
	}

	/* 3. new connection */
	cl7_ipcache_identity(c.pkt.tuple.family, c.pkt.tuple.daddr, &c.dst_identity, &c.dst_endpoint);

	cl7_policy_lookup(c.src_endpoint, CL7_DIR_EGRESS, c.dst_identity, &c.pkt, &veg);
	if (veg.verdict == CL7_POLICY_DENY)
		return cl7_drop(&c, veg.reason, CL7_DIR_EGRESS, &veg);
	vin.enforced = 0;
	vin.audited = 0;
	vin.verdict = CL7_POLICY_ALLOW;
	if (c.dst_endpoint) {
		cl7_policy_lookup(c.dst_endpoint, CL7_DIR_INGRESS, c.src_identity,
				  &c.pkt, &vin);
		if (vin.verdict == CL7_POLICY_DENY)
			return cl7_drop(&c, vin.reason, CL7_DIR_INGRESS, &vin);
	}

	ct_flags = CL7_CT_FROM_CONTAINER;
	cookie = veg.cookie;
	if (c.pkt.tuple.protocol == IPPROTO_TCP || c.pkt.tuple.protocol == IPPROTO_UDP) {
		if (veg.verdict == CL7_POLICY_REDIRECT) {
			proxy_port = veg.proxy_port;
		} else if (vin.verdict == CL7_POLICY_REDIRECT) {
			proxy_port = vin.proxy_port;
			cookie = vin.cookie;
		}
	}
	if (proxy_port)
		ct_flags |= CL7_CT_REDIRECT;
	cl7_ct_create(&c, ct_flags, proxy_port, cookie ? cookie : vin.cookie);

	cl7_emit_verdict(&c, &veg, CL7_DIR_EGRESS,
			 veg.verdict == CL7_POLICY_REDIRECT && proxy_port, veg.proxy_port);
	cl7_emit_verdict(&c, &vin, CL7_DIR_INGRESS,
			 vin.verdict == CL7_POLICY_REDIRECT && proxy_port, vin.proxy_port);

	if (proxy_port)
		return cl7_to_proxy(&c, skb, proxy_port,
				    veg.verdict == CL7_POLICY_REDIRECT ?
				    CL7_DIR_EGRESS : CL7_DIR_INGRESS);
	cl7_count(CL7_REASON_FORWARDED, CL7_DIR_EGRESS, c.pkt.len);
	return TC_ACT_OK;
}

char _license[] SEC("license") = "Dual BSD/GPL";
