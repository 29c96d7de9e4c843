// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * to-container: tc egress of an endpoint's host-side veth, i.e. packets
 * entering the pod (from the node, other pods, the proxy, the world).
 *
 *   0. the proxy's own upstream packets (mark 0x0A00/0x0B00): judged by the
 *      proxy; remember the connection so the server's replies go back to
 *      the proxy socket, and pass;
 *   1. established (CT forward) / 2. reply (CT reverse): pass; a connection
 *      this program redirected goes back around to the proxy (below);
 *      a reply from outside the node to the proxy's transparent upstream
 *      socket (bound to this pod's address) goes to the proxy the same way;
 *   3. new: source identity from the ipcache (unknown = world), this
 *      endpoint's INGRESS policy; a redirect cannot bpf_sk_assign at egress,
 *      so the packet is marked 0x200|port<<16 and looped to this device's
 *      ingress, where from-container (step 0) assigns it to the proxy.
 */
#include "maps.h"
#include "parse.h"
#include "context.h"
#include "metrics.h"
#include "events.h"
#include "policy.h"
#include "ct.h"
#include "proxy.h"

/* Send the packet to from-container of the same device for bpf_sk_assign.
 * The MACs are swapped so the stack takes it as addressed to the host. */
static __always_inline int cl7_loop_to_proxy(struct cl7_ctx *c,
					     struct __sk_buff *skb, __u16 proxy_port)
{
	__u8 macs[12], swapped[12];

	if (bpf_skb_load_bytes(skb, 0, macs, sizeof(macs)) < 0)
		return cl7_drop(c, CL7_DROP_INVALID_PACKET, CL7_DIR_INGRESS, NULL);
	__builtin_memcpy(swapped, macs + 6, 6);
	__builtin_memcpy(swapped + 6, macs, 6);
	if (bpf_skb_store_bytes(skb, 0, swapped, sizeof(swapped), 0) < 0)
		return cl7_drop(c, CL7_DROP_INVALID_PACKET, CL7_DIR_INGRESS, NULL);
	skb->mark = CL7_MARK_MAGIC_TO_PROXY | ((__u32)proxy_port << 16);
	cl7_count(CL7_REASON_FORWARDED, CL7_DIR_INGRESS, c->pkt.len);
	return bpf_redirect(skb->ifindex, BPF_F_INGRESS);
}

SEC("tc")
int cl7_to_container(struct __sk_buff *skb)
{
	struct cl7_endpoint *ep;
	struct cl7_ct_entry *ct;
	struct cl7_verdict vin;
	struct cl7_ct_key rev;
	struct cl7_ctx c;
	__u16 proxy_port = 0;
	int ret;

	ret = cl7_parse(skb, &c.pkt);
	if (ret == CL7_PARSE_NOT_IP)
		return TC_ACT_OK;
	c.ifindex = skb->ifindex;
	ep = bpf_map_lookup_elem(&cl7_endpoints, &c.ifindex);
	if (!ep)
		return TC_ACT_OK;
	c.dst_identity = ep->identity;
	c.dst_endpoint = ep->endpoint_id;
	c.src_identity = 0;
	c.src_endpoint = 0;
	if (ret == CL7_PARSE_INVALID)
		return cl7_drop(&c, CL7_DROP_INVALID_PACKET, CL7_DIR_INGRESS, NULL);
	if (c.pkt.is_ndp)
		return TC_ACT_OK;

	ct = bpf_map_lookup_elem(&cl7_ct, &c.pkt.tuple);

	/* 0. the proxy's upstream connection */
	if ((skb->mark & CL7_MARK_MAGIC_MASK) == CL7_MARK_MAGIC_PROXY_EGRESS ||
	    (skb->mark & CL7_MARK_MAGIC_MASK) == CL7_MARK_MAGIC_PROXY_INGRESS) {
		if (ct) {
			if (!(ct->flags & CL7_CT_PROXY_UPSTREAM))
				ct->flags |= CL7_CT_PROXY_UPSTREAM;
			cl7_ct_touch(ct);
		} else {
			cl7_ct_create(&c, CL7_CT_TO_CONTAINER | CL7_CT_PROXY_UPSTREAM, 0, 0);
		}
		cl7_count(CL7_REASON_FORWARDED, CL7_DIR_INGRESS, c.pkt.len);
		return TC_ACT_OK;
	}

	/* 1. established */
	if (ct && !(cl7_is_pure_syn(&c.pkt) && (ct->flags & CL7_CT_TO_CONTAINER))) {
		cl7_ct_touch(ct);
		if ((ct->flags & (CL7_CT_REDIRECT | CL7_CT_TO_CONTAINER)) ==
		    (CL7_CT_REDIRECT | CL7_CT_TO_CONTAINER))
			return cl7_loop_to_proxy(&c, skb, ct->proxy_port);
		cl7_count(CL7_REASON_FORWARDED, CL7_DIR_INGRESS, c.pkt.len);
		return TC_ACT_OK;
	}

	/* 2. reply */
	cl7_ct_reverse(&c.pkt.tuple, &rev);
	ct = bpf_map_lookup_elem(&cl7_ct, &rev);

	/* 2b. a forwarded packet (no local sender) that answers the proxy's
	 * transparent upstream socket, for a destination outside the node:
	 * no program saw that connection leave, so CT cannot know it. Only
	 * for redirected connections or packets CT does not know, never for
	 * a pure SYN (a SYN is not an answer). */
	if (!skb->sk && !cl7_is_pure_syn(&c.pkt) &&
	    (!ct || (ct->flags & CL7_CT_REDIRECT)) &&
	    cl7_is_proxy_upstream_reply(skb, &c.pkt))
		return cl7_loop_to_proxy(&c, skb, 0);

	if (ct) {
		cl7_ct_touch(ct);
		cl7_count(CL7_REASON_FORWARDED, CL7_DIR_INGRESS, c.pkt.len);
		return TC_ACT_OK;
	}

	/* 3. new connection */
	cl7_ipcache_identity(c.pkt.tuple.family, c.pkt.tuple.saddr, &c.src_identity, &c.src_endpoint);

	cl7_policy_lookup(c.dst_endpoint, CL7_DIR_INGRESS, c.src_identity, &c.pkt, &vin);
	if (vin.verdict == CL7_POLICY_DENY)
		return cl7_drop(&c, vin.reason, CL7_DIR_INGRESS, &vin);
	if (vin.verdict == CL7_POLICY_REDIRECT &&
	    (c.pkt.tuple.protocol == IPPROTO_TCP || c.pkt.tuple.protocol == IPPROTO_UDP))
		proxy_port = vin.proxy_port;

	cl7_ct_create(&c, CL7_CT_TO_CONTAINER | (proxy_port ? CL7_CT_REDIRECT : 0),
		      proxy_port, vin.cookie);
	cl7_emit_verdict(&c, &vin, CL7_DIR_INGRESS, proxy_port != 0, proxy_port);
	if (proxy_port)
		return cl7_loop_to_proxy(&c, skb, proxy_port);
	cl7_count(CL7_REASON_FORWARDED, CL7_DIR_INGRESS, c.pkt.len);
	return TC_ACT_OK;
}

char _license[] SEC("license") = "Dual BSD/GPL";
