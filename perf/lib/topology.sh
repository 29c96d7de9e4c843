# shellcheck shell=bash
# The "plain" topology used by direct, HAProxy and nginx (reverse-proxy mode):
#
#   client netns (wrk, h2load; CPU 0)          backend netns (nginx; CPU 0)
#     10.244.201.2 ──veth── node netns ──veth── 10.244.202.2
#                      10.244.201.1  10.244.202.1
#                      (proxy under test; CPU 1; forwards for "direct")
#
# Pod addresses exist only inside these namespaces. The host namespace only
# gets a blackhole route for 10.244.0.0/16 when nothing routes it already.

TOPO_CLIENT_IP=10.244.201.2
TOPO_NODE_CLIENT_IP=10.244.201.1
TOPO_BACKEND_IP=10.244.202.2
TOPO_NODE_BACKEND_IP=10.244.202.1

# Per-namespace tuning for many short connections and big backlogs.
topo_tune_ns() {
	local ns=$1
	perf_ns "$ns" sysctl -q -w net.ipv4.ip_local_port_range="1024 65000" \
		net.ipv4.tcp_tw_reuse=1 net.core.somaxconn=8192 \
		net.ipv4.tcp_max_syn_backlog=8192 >/dev/null
}

topo_blackhole_host() {
	if [ -z "$(ip -4 route show 10.244.0.0/16 2>/dev/null)" ]; then
		if ip route add blackhole 10.244.0.0/16 2>/dev/null; then
			perf_on_cleanup "ip route del blackhole 10.244.0.0/16"
			perf_log "host: blackholed 10.244.0.0/16 (removed at exit)"
		fi
	fi
}

# topo_plain_up ID: creates plcli-ID, plnode-ID, plbe-ID; sets TOPO_* names.
topo_plain_up() {
	local id=$1
	TOPO_CLIENT_NS=plcli-$id
	TOPO_NODE_NS=plnode-$id
	TOPO_BACKEND_NS=plbe-$id
	local ns
	for ns in "$TOPO_CLIENT_NS" "$TOPO_NODE_NS" "$TOPO_BACKEND_NS"; do
		ip netns add "$ns" || perf_die "cannot create netns $ns"
		perf_track_netns "$ns"
		perf_ns "$ns" ip link set lo up
		topo_tune_ns "$ns"
	done
	# client <-> node
	ip link add "pc$id" type veth peer name "pn$id" || perf_die "veth pc$id"
	ip link set "pc$id" netns "$TOPO_CLIENT_NS"
	ip link set "pn$id" netns "$TOPO_NODE_NS"
	# backend <-> node
	ip link add "pb$id" type veth peer name "pm$id" || perf_die "veth pb$id"
	ip link set "pb$id" netns "$TOPO_BACKEND_NS"
	ip link set "pm$id" netns "$TOPO_NODE_NS"

	perf_ns "$TOPO_CLIENT_NS" ip addr add "$TOPO_CLIENT_IP/24" dev "pc$id"
	perf_ns "$TOPO_CLIENT_NS" ip link set "pc$id" up
	perf_ns "$TOPO_CLIENT_NS" ip route add default via "$TOPO_NODE_CLIENT_IP"
	perf_ns "$TOPO_BACKEND_NS" ip addr add "$TOPO_BACKEND_IP/24" dev "pb$id"
	perf_ns "$TOPO_BACKEND_NS" ip link set "pb$id" up
	perf_ns "$TOPO_BACKEND_NS" ip route add default via "$TOPO_NODE_BACKEND_IP"
	perf_ns "$TOPO_NODE_NS" ip addr add "$TOPO_NODE_CLIENT_IP/24" dev "pn$id"
	perf_ns "$TOPO_NODE_NS" ip addr add "$TOPO_NODE_BACKEND_IP/24" dev "pm$id"
	perf_ns "$TOPO_NODE_NS" ip link set "pn$id" up
	perf_ns "$TOPO_NODE_NS" ip link set "pm$id" up
	perf_ns "$TOPO_NODE_NS" sysctl -q -w net.ipv4.ip_forward=1 >/dev/null
	perf_log "topology: $TOPO_CLIENT_NS ($TOPO_CLIENT_IP) -> $TOPO_NODE_NS -> $TOPO_BACKEND_NS ($TOPO_BACKEND_IP)"
}
