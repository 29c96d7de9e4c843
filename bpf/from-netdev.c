// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * from-netdev: tc ingress of the node's uplink devices (the underlay of a
 * cluster; optional on a standalone node).
 *
 * The proxy's sockets carry pods' addresses: its transparent upstream
 * sockets keep the client pod's address as their source, and the sockets it
 * accepts for an ingress redirect are bound to the server pod's address.
 * A packet from another node for such a socket (a server's reply to the
 * proxy's upstream connection, or the client's next packets of a connection
 * the proxy accepted, its handshake ACK included) is addressed to a pod, so
 * the kernel would forward it — and drop it, because early demux already
 * attached the proxy's socket and a forwarded packet must not carry one.
 * So: a TCP/UDP packet whose own tuple names a node socket that is not a
 * listener or TIME_WAIT is assigned to that socket and marked 0x200, and the
 * node's "fwmark 0x200/0xf00 lookup 2004" rule delivers it locally.
 * Everything else passes untouched: policy is judged at the pod's veth.
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
		return TC_ACT_OK;	/* a new connection is judged at the pod's veth */
	if (cl7_redirect_to_proxy(skb, &pkt, 0) == 0)
		cl7_count(CL7_REASON_FORWARDED, CL7_DIR_INGRESS, pkt.len);
	return TC_ACT_OK;
}

char _license[] SEC("license") = "Dual BSD/GPL";
