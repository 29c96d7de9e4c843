# shellcheck shell=bash
# The CiliumL7 peers. Each runs on its own CiliumL7 "node" (a network
# namespace running bin/ciliuml7-agent with its own state dir, bpffs root and
# pod CIDR); client and backend pods are created with `ciliuml7 endpoint
# create` (through the CNI plugin) and the L7 policy is imported with
# `ciliuml7 policy import`, so the client's connections to backend:80 are
# redirected by the eBPF datapath (bpf_sk_assign to a transparent listener).
#
#   ciliuml7    the agent with its embedded proxy, pinned to CPU 1
#   haproxy-tp  a second node whose agent programs the datapath and is then
#               stopped (pinned programs and maps keep enforcing); HAProxy
#               takes the redirect on the agent's proxy port
#               (bind 0.0.0.0:P transparent, server 0.0.0.0:0, original
#               source via usesrc clientip; its upstream sockets carry the
#               proxy mark 0x0B00 through a small LD_PRELOAD shim, since
#               HAProxy 2.6 cannot mark backend connections itself)
#
# When a piece is missing (no binaries, datapath disabled, no redirect, no
# enforcement) the peer is reported "not available (reason)": nothing is faked.

CILIUML7_BIN=${CILIUML7_BIN:-$REPO_ROOT/bin}
CILIUML7_FLOWS=on
declare -A CL7_NODE_NS=() CL7_STATE=() CL7_BPF_ROOT=() CL7_AGENT_PID=() CL7_CLIENT_NS=() CL7_BACKEND_IP=() CL7_CIDR=()

ciliuml7_missing() {
	local f
	for f in ciliuml7 ciliuml7-agent ciliuml7-cni; do
		[ -x "$CILIUML7_BIN/$f" ] || { echo "bin/$f missing (run make build)"; return; }
	done
	compgen -G "$CILIUML7_BIN/bpf/*.o" >/dev/null || { echo "bin/bpf/*.o missing (eBPF datapath not built)"; return; }
	echo ""
}

# cl7 NODE ARGS...: the CLI against NODE's agent, inside NODE's netns
# (-H last: every version of the CLI accepts it after the command).
cl7() {
	local node=$1; shift
	timeout -k 5 120 nsenter --net="/var/run/netns/${CL7_NODE_NS[$node]}" \
		"$CILIUML7_BIN/ciliuml7" "$@" -H "unix://${CL7_STATE[$node]}/agent.sock"
}

cl7_status_json() { cl7 "$1" status -o json 2>/dev/null; }

# cl7_agent_start NODE [EXTRA-FLAGS...]: starts the agent pinned to CPU 1 and
# waits (bounded) for its API.
cl7_agent_start() {
	local node=$1; shift
	local dir=$PERF_WORK/$node i
	local envs=()
	# --profile: .NET writes /tmp/perf-PID.map so perf can name JIT-compiled frames
	# (and W^X off, so JIT code is not in a memfd double mapping perf cannot name)
	[ "${PERF_PROFILE:-0}" = 1 ] && envs=(DOTNET_PerfMapEnabled=1 DOTNET_EnableWriteXorExecute=0)
	# PERF_AGENT_ENV="K=V ...": extra environment for the agent (tuning experiments)
	[ -n "${PERF_AGENT_ENV:-}" ] && envs+=($PERF_AGENT_ENV)
	perf_spawn "${CL7_NODE_NS[$node]}" "$dir/agent.log" env "${envs[@]}" taskset -c 1 "$CILIUML7_BIN/ciliuml7-agent" \
		--state-dir "${CL7_STATE[$node]}" --bpf-root "${CL7_BPF_ROOT[$node]}" \
		--policy-dir "$dir/policies" --pod-cidr "${CL7_CIDR[$node]}" --node-name "perf-$node-$RUN_ID" "$@"
	CL7_AGENT_PID[$node]=$PERF_SPAWNED
	[ "$node" = cl7 ] && CL7_AGENT_FLAGS_USED="--state-dir/--bpf-root/--policy-dir/--pod-cidr/--node-name per node${*:+ $*}"
	[ "${PERF_PROFILE:-0}" = 1 ] && perf_on_cleanup "rm -f /tmp/perf-$PERF_SPAWNED.map /tmp/perfinfo-$PERF_SPAWNED.map"
	for ((i = 0; i < 300; i++)); do
		kill -0 "${CL7_AGENT_PID[$node]}" 2>/dev/null ||
			{ PEER_REASON="agent exited: $(tail -n 3 "$dir/agent.log" | tr '\n' ' ' | head -c 300)"; return 1; }
		cl7_status_json "$node" >/dev/null && return 0
		sleep 0.1
	done
	PEER_REASON="agent API did not answer within 30 s"
	return 1
}

cl7_agent_stop() { # NODE [KILL]
	local node=$1 pid=${CL7_AGENT_PID[$1]:-}
	[ -n "$pid" ] || return 0
	if [ "${2:-}" = KILL ]; then
		kill -KILL "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
	fi
	perf_kill_pid "$pid"
	perf_untrack_pid "$pid"
	CL7_AGENT_PID[$node]=""
}

# cl7_node_up NODE CIDR-OCTET: node netns + agent + two pods + backend nginx.
cl7_node_up() {
	local node=$1 octet=$2
	local dir=$PERF_WORK/$node ns=${node}n-$RUN_ID json ip
	[ -n "${CL7_NODE_NS[$node]:-}" ] && return 0
	mkdir -p "$dir/policies"
	CL7_NODE_NS[$node]=$ns
	CL7_STATE[$node]=$dir/state
	CL7_BPF_ROOT[$node]=/sys/fs/bpf/ciliuml7-perf-$node-$RUN_ID
	CL7_CIDR[$node]=10.244.$octet.0/24
	ip netns add "$ns" || { PEER_REASON="cannot create netns $ns"; return 1; }
	perf_track_netns "$ns"
	# Teardown (runs in reverse order): pods' namespaces, agent cleanup, bpffs root.
	perf_on_cleanup "rm -rf '${CL7_BPF_ROOT[$node]}'"
	perf_on_cleanup "ip netns del ${node}c-$RUN_ID; ip netns del ${node}b-$RUN_ID"
	perf_on_cleanup "timeout 60 nsenter --net=/var/run/netns/$ns '$CILIUML7_BIN/ciliuml7-agent' cleanup --state-dir '${CL7_STATE[$node]}' --bpf-root '${CL7_BPF_ROOT[$node]}' --policy-dir '$dir/policies'"
	perf_ns "$ns" ip link set lo up
	perf_ns "$ns" ip route add blackhole "${CL7_CIDR[$node]}"
	topo_tune_ns "$ns"

	local flags=()
	[ "$CILIUML7_FLOWS" = off ] && flags=($(ciliuml7_flows_off_flags))
	cl7_agent_start "$node" "${flags[@]}" || return 1
	json=$(cl7_status_json "$node")
	case $(jq -r '.datapath.state' <<<"$json") in
	Disabled | Failure | null | "") PEER_REASON="agent datapath $(jq -r '(.datapath.state // "?") + ": " + (.datapath.message // "")' <<<"$json" | head -c 200)"; return 1 ;;
	esac
	case $(jq -r '.proxy.state' <<<"$json") in
	Disabled | Failure | null | "") PEER_REASON="agent proxy $(jq -r '(.proxy.state // "?") + ": " + (.proxy.message // "")' <<<"$json" | head -c 200)"; return 1 ;;
	esac

	# Pods through the CLI + CNI plugin, exactly as a runtime would create them.
	json=$(cl7 "$node" endpoint create --netns "${node}c-$RUN_ID" --name perf-client --namespace default \
		--labels app=perf-client -o json 2>"$dir/ep-client.err") ||
		{ PEER_REASON="endpoint create perf-client: $(head -c 200 "$dir/ep-client.err")"; return 1; }
	CL7_CLIENT_NS[$node]=${node}c-$RUN_ID
	json=$(cl7 "$node" endpoint create --netns "${node}b-$RUN_ID" --name perf-backend --namespace default \
		--labels app=perf-backend -o json 2>"$dir/ep-backend.err") ||
		{ PEER_REASON="endpoint create perf-backend: $(head -c 200 "$dir/ep-backend.err")"; return 1; }
	ip=$(jq -r '.ipv4' <<<"$json")
	ip=${ip%%/*}
	[ -n "$ip" ] && [ "$ip" != null ] || { PEER_REASON="endpoint create returned no IPv4: $json"; return 1; }
	CL7_BACKEND_IP[$node]=$ip
	topo_tune_ns "${node}c-$RUN_ID"
	topo_tune_ns "${node}b-$RUN_ID"
	backend_start "${node}b-$RUN_ID" "$ip" "$dir/backend"
	perf_log "$node: agent pid ${CL7_AGENT_PID[$node]} in $ns, pods ${node}c-$RUN_ID -> ${node}b-$RUN_ID ($ip)"
}

# cl7_policy NODE RULESDIR: imports cnp.yaml, waits (bounded) until the
# agent has regenerated with it (policy revision moved on) and the proxy
# redirects of ports 80 (HTTP/1.1) and 81 (h2c) exist; sets
# CL7_PROXY_PORT(_H2) and CL7_IMPORT_S (seconds from import to applied).
cl7_policy() {
	local node=$1 dir=$2 i json rev0 rev t0 rc
	rev0=$(cl7_status_json "$node" | jq -r '.policyRevision // 0')
	t0=$(date +%s.%N)
	cl7 "$node" policy import "$dir/cnp.yaml" >"$PERF_WORK/$node/import.out" 2>&1
	rc=$?
	# A big policy can take longer than the CLI's own request timeout; the
	# agent still applies it, so judge by the revision, not by the exit code.
	for ((i = 0; i < 900; i++)); do
		json=$(cl7_status_json "$node")
		rev=$(jq -r '.policyRevision // 0' <<<"$json")
		CL7_PROXY_PORT=$(jq -r '[.proxy.redirects[]? | select(.port == 80) | .proxyPort][0] // empty' <<<"$json")
		CL7_PROXY_PORT_H2=$(jq -r '[.proxy.redirects[]? | select(.port == 81) | .proxyPort][0] // empty' <<<"$json")
		if [ "${rev:-0}" -gt "${rev0:-0}" ] && [ -n "$CL7_PROXY_PORT" ] && [ -n "$CL7_PROXY_PORT_H2" ]; then
			CL7_IMPORT_S=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')
			[ "$rc" = 0 ] || perf_warn "$node: ciliuml7 policy import exited $rc ($(head -c 150 "$PERF_WORK/$node/import.out" | tr '\n' ' ')) but the agent applied the policy after ${CL7_IMPORT_S}s"
			echo "import_${node}_$(basename "$dir")=${CL7_IMPORT_S}s (policy import exit $rc)" >>"$PERF_WORK/imports.env"
			perf_log "$node: policy $(basename "$dir") applied ${CL7_IMPORT_S}s after import (revision $rev0 -> $rev)"
			return 0
		fi
		[ "$rc" != 0 ] && [ "${rev:-0}" -le "${rev0:-0}" ] && [ "$i" -ge 600 ] && break
		sleep 0.2
	done
	PEER_REASON="policy $(basename "$dir") not applied (import exit $rc: $(head -c 150 "$PERF_WORK/$node/import.out" | tr '\n' ' '); revision $rev0 -> ${rev:-?}; proxy $(jq -r '.proxy.state + ": " + (.proxy.message // "")' <<<"$json" | head -c 150); redirects 80:${CL7_PROXY_PORT:-none} 81:${CL7_PROXY_PORT_H2:-none})"
	return 1
}

peer_start_ciliuml7() { # RULESDIR
	local dir=$1 why
	why=$(ciliuml7_missing)
	[ -z "$why" ] || { PEER_REASON=$why; return 1; }
	if [ -n "${CL7_NODE_NS[cl7]:-}" ] && [ "$CILIUML7_FLOWS" = off ] && [ "${CL7_FLOWS_STATE:-on}" = on ]; then
		cl7_agent_stop cl7
		cl7_agent_start cl7 $(ciliuml7_flows_off_flags) || return 1
		CL7_FLOWS_STATE=off
	elif [ -n "${CL7_NODE_NS[cl7]:-}" ] && [ -z "${CL7_AGENT_PID[cl7]:-}" ]; then
		cl7_agent_start cl7 || return 1
	fi
	cl7_node_up cl7 210 || return 1
	cl7_policy cl7 "$dir" || return 1
	PEER_MAIN_PID=${CL7_AGENT_PID[cl7]}
	PEER_URL=http://${CL7_BACKEND_IP[cl7]}:80
	PEER_URL_H2=http://${CL7_BACKEND_IP[cl7]}:81   # the backend's h2c port
	PEER_NS=${CL7_CLIENT_NS[cl7]}
	PEER_BACKEND_NS=cl7b-$RUN_ID PEER_BACKEND_IP=${CL7_BACKEND_IP[cl7]}
	PEER_MODE="eBPF redirect (bpf_sk_assign) to the agent's embedded proxy, ports $CL7_PROXY_PORT/$CL7_PROXY_PORT_H2"
}

# The agent keeps running between phases (only the policy changes); it is
# stopped at the end (cleanup) or restarted for the flows phase.
peer_stop_ciliuml7() { :; }

# A peer that cannot be measured must not keep an agent busy on CPU 1.
peer_abandon_ciliuml7() { cl7_agent_stop cl7; }
peer_abandon_haproxy-tp() { cl7_agent_stop hap; }

# ---------------------------------------------------------------- HAProxy behind the redirect
cl7_somark_lib() {
	local so=$PERF_WORK/somark.so
	[ -f "$so" ] && { echo "$so"; return 0; }
	command -v clang >/dev/null || return 1
	clang -shared -fPIC -O2 -o "$so" "$PEERS_DIR/somark.c" -ldl 2>"$PERF_WORK/somark.err" || return 1
	echo "$so"
}

peer_start_haproxy-tp() { # RULESDIR
	local dir=$1 why so port
	why=$(ciliuml7_missing)
	[ -z "$why" ] || { PEER_REASON="needs the CiliumL7 eBPF redirect: $why"; return 1; }
	command -v haproxy >/dev/null || { PEER_REASON="haproxy not installed"; return 1; }
	so=$(cl7_somark_lib) || { PEER_REASON="cannot build the SO_MARK shim: $(head -c 200 "$PERF_WORK/somark.err" 2>/dev/null)"; return 1; }
	if [ -z "${CL7_NODE_NS[hap]:-}" ]; then
		cl7_node_up hap 211 || return 1
	fi
	# The agent programs the datapath for this rule set, then steps aside.
	if [ -z "${CL7_AGENT_PID[hap]:-}" ]; then cl7_agent_start hap || return 1; fi
	cl7_policy hap "$dir" || return 1
	port=$CL7_PROXY_PORT
	local port_h2=$CL7_PROXY_PORT_H2
	# kill -9, like a crash: pinned programs and maps stay and keep enforcing.
	cl7_agent_stop hap KILL
	# Port 81 (the backend's h2c port) has its own redirect: the h2 frontend,
	# forwarding HTTP/2 to the original destination.
	render "$PEERS_DIR/haproxy.cfg.in" "$dir/haproxy-tp.cfg" "DIR=$dir" "NAME=tp" \
		"BIND=0.0.0.0:$port transparent" "SERVER=0.0.0.0:0 source 0.0.0.0 usesrc clientip" \
		"BIND_H2=0.0.0.0:$port_h2 transparent" "SERVER_H2=0.0.0.0:0 source 0.0.0.0 usesrc clientip"
	perf_ns "${CL7_NODE_NS[hap]}" haproxy -c -q -f "$dir/haproxy-tp.cfg" >"$dir/haproxy-tp.check" 2>&1 ||
		{ PEER_REASON="haproxy config rejected: $(head -c 300 "$dir/haproxy-tp.check")"; return 1; }
	perf_spawn "${CL7_NODE_NS[hap]}" "$dir/haproxy-tp.out" env LD_PRELOAD="$so" PERF_SO_MARK=0x0B00 \
		taskset -c 1 haproxy -db -f "$dir/haproxy-tp.cfg"
	PEER_MAIN_PID=$PERF_SPAWNED
	sleep 0.5
	kill -0 "$PEER_MAIN_PID" 2>/dev/null || { PEER_REASON="haproxy exited: $(tail -c 300 "$dir/haproxy-tp.out")"; return 1; }
	PEER_URL=http://${CL7_BACKEND_IP[hap]}:80
	PEER_URL_H2=http://${CL7_BACKEND_IP[hap]}:81
	PEER_NS=${CL7_CLIENT_NS[hap]}
	PEER_STATS=$dir/haproxy-tp.sock
	PEER_BACKEND_NS=hapb-$RUN_ID PEER_BACKEND_IP=${CL7_BACKEND_IP[hap]}
	PEER_MODE="eBPF redirect (bpf_sk_assign) to HAProxy on ports $port/$port_h2 (bind transparent; server 0.0.0.0:0; usesrc clientip)"
}

# cl7_counters NODE: "DENIED FAST KESTREL" HTTP requests so far, from the agent's
# Prometheus endpoint (--hubble-metrics-server, default 127.0.0.1:9962 in the node netns).
cl7_counters() {
	timeout 10 nsenter --net="/var/run/netns/${CL7_NODE_NS[$1]}" curl -s -m 5 http://127.0.0.1:9962/metrics 2>/dev/null | awk '
		/^cilium_policy_l7_total\{.*rule="denied".*proxy_type="http"/ { d = $NF }
		/^ciliuml7_proxy_http_requests_total\{path="fast"\}/ { f = $NF }
		/^ciliuml7_proxy_http_requests_total\{path="kestrel"\}/ { k = $NF }
		END { printf "%s %s %s\n", (d == "" ? "n/a" : d), (f == "" ? "n/a" : f), (k == "" ? "n/a" : k) }'
}

# ---------------------------------------------------------------- flow events on/off
# The agent flag that turns flow events off, if this build has one.
ciliuml7_flows_off_flags() {
	local help
	help=$("$CILIUML7_BIN/ciliuml7-agent" --help 2>&1)
	for f in --no-flows --disable-flows --flows=false --hubble=false --disable-hubble; do
		if grep -q -- "${f%%=*}" <<<"$help"; then echo "$f"; return 0; fi
	done
	return 1
}
ciliuml7_supports_flows_off() { [ -z "$(ciliuml7_missing)" ] && ciliuml7_flows_off_flags >/dev/null; }
