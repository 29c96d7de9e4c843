// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * from-netdev: tc ingress of the node's uplink devices (optional).
 *
 * The proxy's transparent upstream sockets keep the pod's address as their
 * source. When such a connection goes to a destination outside the node,
 * the replies come in here, addressed to the pod: the kernel would forward
 * them to the pod (or drop them: early demux already found the proxy's
 * socket, and a forwarded packet must not carry one). So: a TCP/UDP packet
 * whose own tuple names a node socket bound to the packet's destination
 * address (only a transparent socket can be) is assigned to that socket and
 * marked 0x200, and the node's "fwmark 0x200/0xf00 lookup 2004" rule
 * delivers it locally. Everything else passes untouched: no policy here.
 */
#include "maps.h"
#include "parse.h"
#include "context.h"
#include "metrics.h"
#include "proxy.h"

SEC("tc")
int cl7_from_netdev(struct __sk_buff *skb)
{
	struct cl7_packet pkt;

	if (cl7_parse(skb, &pkt) != CL7_PARSE_OK)
		return TC_ACT_OK;
	if (pkt.tuple.protocol != IPPROTO_TCP && pkt.tuple.protocol != IPPROTO_UDP)
		return TC_ACT_OK;
	if (cl7_is_pure_syn(&pkt))
		return TC_ACT_OK;	/* a SYN never answers an upstream socket */
	if (!cl7_is_proxy_upstream_reply(skb, &pkt))
		return TC_ACT_OK;
	if (cl7_redirect_to_proxy(skb, &pkt, 0) == 0)
		cl7_count(CL7_REASON_FORWARDED, CL7_DIR_INGRESS, pkt.len);
	return TC_ACT_OK;
}

char _license[] SEC("license") = "Dual BSD/GPL";
