# shellcheck shell=bash
# Peers under test. Each peer_start_<name> sets, for the measurement code:
#   PEER_URL      base URL for HTTP/1.1 (http://host:port)
#   PEER_URL_H2   base URL for HTTP/2 prior knowledge
#   PEER_NS       the client namespace that reaches it
#   PEER_MODE     how traffic reaches it (label printed in every table row)
#   PEER_MAIN_PID the process whose tree is accounted (CPU, RSS), "" for direct
# and returns non-zero with PEER_REASON set when the peer cannot run.
# Proxies run pinned to CPU 1 (taskset -c 1), one worker/thread each.

PEERS_DIR=${PEERS_DIR:-}     # perf/peers
PERF_WORK=${PERF_WORK:-}     # temp dir of this run

declare -A PEER_PID_OF=()    # peer -> main PID
declare -A PEER_URL_OF=() PEER_URL_H2_OF=() PEER_NS_OF=() PEER_MODE_OF=()
declare -A PEER_BACKEND_NS_OF=() PEER_BACKEND_IP_OF=() PEER_STATS_OF=()

# render TEMPLATE OUT KEY=VALUE...: replaces @KEY@ with VALUE.
render() {
	local tpl=$1 out=$2; shift 2
	local args=() kv
	for kv in "$@"; do
		args+=(-e "s|@${kv%%=*}@|${kv#*=}|g")
	done
	sed "${args[@]}" "$tpl" >"$out"
}

# peer_pids PEER: the main PID and its children (nginx workers).
peer_pids() {
	local pid=${PEER_PID_OF[$1]:-}
	[ -n "$pid" ] || return 0
	echo "$pid"
	perf_children "$pid"
}

# ---------------------------------------------------------------- backend
backend_start() { # NS ADDR DIR
	local ns=$1 addr=$2 dir=$3
	mkdir -p "$dir/www" "$dir/tmp"
	[ -f "$dir/www/1m.bin" ] || head -c 1048576 /dev/zero | tr '\0' 'b' >"$dir/www/1m.bin"
	render "$PEERS_DIR/backend-nginx.conf.in" "$dir/backend.conf" "DIR=$dir" "ADDR=$addr"
	perf_ns "$ns" ip link set lo up
	perf_spawn "$ns" "$dir/backend.out" taskset -c 0 nginx -c "$dir/backend.conf" -p "$dir" -g 'daemon off;'
	BACKEND_PID=$PERF_SPAWNED
	perf_wait_tcp "$ns" "$addr" 80 || { cat "$dir/backend.out" >&2; perf_die "backend nginx did not start in $ns"; }
	perf_log "backend: nginx pid $BACKEND_PID on $addr:80 (h1) and :81 (h2c) in $ns"
}

# backend_requests NS ADDR: requests the backend has served so far (nginx
# stub_status; the read itself counts once), "n/a" when unreadable.
backend_requests() {
	local v
	v=$(timeout 10 nsenter --net="/var/run/netns/$1" curl -s -m 5 "http://$2:8099/stub" 2>/dev/null | awk 'NR == 3 { print $3 }')
	[[ $v =~ ^[0-9]+$ ]] && echo "$v" || echo n/a
}

# haproxy_denied SOCKET: requests denied so far (dreq summed over the frontends).
haproxy_denied() {
	[ -S "$1" ] || { echo n/a; return; }
	echo "show stat" | timeout 10 socat - "UNIX-CONNECT:$1" 2>/dev/null | awk -F, '
		NR == 1 { for (i = 1; i <= NF; i++) if ($i == "dreq") c = i; next }
		$2 == "FRONTEND" && c { d += $c; n++ }
		END { if (n) print d + 0; else print "n/a" }'
}

# peer_counters PEER: "BACKEND_REQUESTS PROXY_DENIED FAST_PATH KESTREL" so far
# (n/a where the peer has no such counter). Read before and after each run.
peer_counters() {
	local p=$1 be=n/a denied=n/a fast=n/a kestrel=n/a
	[ -n "${PEER_BACKEND_NS_OF[$p]:-}" ] && be=$(backend_requests "${PEER_BACKEND_NS_OF[$p]}" "${PEER_BACKEND_IP_OF[$p]}")
	case $p in
	haproxy*) denied=$(haproxy_denied "${PEER_STATS_OF[$p]:-}") ;;
	ciliuml7) read -r denied fast kestrel <<<"$(cl7_counters cl7)" ;;
	esac
	echo "$be $denied $fast $kestrel"
}

# ---------------------------------------------------------------- direct
peer_start_direct() {
	PEER_URL=http://$TOPO_BACKEND_IP:80
	PEER_URL_H2=http://$TOPO_BACKEND_IP:81
	PEER_NS=$TOPO_CLIENT_NS
	PEER_MODE="no proxy (routed)"
	PEER_MAIN_PID=""
}

# ---------------------------------------------------------------- haproxy
# Reverse-proxy mode: the client addresses HAProxy; HAProxy forwards to the
# backend. (Transparent mode behind the eBPF redirect: peer_start_haproxy_tp.)
peer_start_haproxy() { # RULESDIR
	local dir=$1
	command -v haproxy >/dev/null || { PEER_REASON="haproxy not installed"; return 1; }
	render "$PEERS_DIR/haproxy.cfg.in" "$dir/haproxy.cfg" "DIR=$dir" "NAME=rp" \
		"BIND=$TOPO_NODE_CLIENT_IP:8080" "SERVER=$TOPO_BACKEND_IP:80" \
		"BIND_H2=$TOPO_NODE_CLIENT_IP:8083" "SERVER_H2=$TOPO_BACKEND_IP:81"
	perf_ns "$TOPO_NODE_NS" haproxy -c -q -f "$dir/haproxy.cfg" >"$dir/haproxy.check" 2>&1 ||
		{ PEER_REASON="haproxy config rejected: $(head -c 300 "$dir/haproxy.check")"; return 1; }
	perf_spawn "$TOPO_NODE_NS" "$dir/haproxy.out" taskset -c 1 haproxy -db -f "$dir/haproxy.cfg"
	PEER_MAIN_PID=$PERF_SPAWNED
	perf_wait_tcp "$TOPO_CLIENT_NS" "$TOPO_NODE_CLIENT_IP" 8080 ||
		{ PEER_REASON="haproxy did not listen: $(tail -c 300 "$dir/haproxy.out")"; return 1; }
	PEER_URL=http://$TOPO_NODE_CLIENT_IP:8080
	PEER_URL_H2=http://$TOPO_NODE_CLIENT_IP:8083
	PEER_NS=$TOPO_CLIENT_NS
	PEER_STATS=$dir/haproxy-rp.sock
	PEER_MODE="reverse proxy (client addresses it)"
}

# The 10,000-rule sets as an operator would configure HAProxy (see
# rules_render_idiomatic); only in the rule-set phases.
peer_start_haproxy-idiomatic() { # RULESDIR
	local dir=$1
	command -v haproxy >/dev/null || { PEER_REASON="haproxy not installed"; return 1; }
	[ -f "$dir/haproxy-idiomatic.acl" ] || { PEER_REASON="no idiomatic form of this rule set"; return 1; }
	render "$PEERS_DIR/haproxy-idiomatic.cfg.in" "$dir/haproxy-idiomatic.cfg.tmp" "DIR=$dir" "NAME=idiom" \
		"BIND=$TOPO_NODE_CLIENT_IP:8084" "SERVER=$TOPO_BACKEND_IP:80"
	sed -e "/^@ACLS@\$/{r $dir/haproxy-idiomatic.acl" -e 'd}' "$dir/haproxy-idiomatic.cfg.tmp" >"$dir/haproxy-idiomatic.cfg"
	perf_ns "$TOPO_NODE_NS" haproxy -c -q -f "$dir/haproxy-idiomatic.cfg" >"$dir/haproxy-idiomatic.check" 2>&1 ||
		{ PEER_REASON="haproxy config rejected: $(head -c 300 "$dir/haproxy-idiomatic.check")"; return 1; }
	perf_spawn "$TOPO_NODE_NS" "$dir/haproxy-idiomatic.out" taskset -c 1 haproxy -db -f "$dir/haproxy-idiomatic.cfg"
	PEER_MAIN_PID=$PERF_SPAWNED
	perf_wait_tcp "$TOPO_CLIENT_NS" "$TOPO_NODE_CLIENT_IP" 8084 ||
		{ PEER_REASON="haproxy did not listen: $(tail -c 300 "$dir/haproxy-idiomatic.out")"; return 1; }
	PEER_URL=http://$TOPO_NODE_CLIENT_IP:8084
	PEER_NS=$TOPO_CLIENT_NS
	PEER_STATS=$dir/haproxy-idiom.sock
	PEER_MODE="reverse proxy, idiomatic rules (one shape regex + keys in a pattern tree; pattern cache on)"
}

peer_start_nginx-idiomatic() { # RULESDIR
	local dir=$1
	command -v nginx >/dev/null || { PEER_REASON="nginx not installed"; return 1; }
	[ -f "$dir/nginx-idiomatic.maps" ] || { PEER_REASON="no idiomatic form of this rule set"; return 1; }
	mkdir -p "$dir/tmp"
	render "$PEERS_DIR/nginx-idiomatic.conf.in" "$dir/nginx-idiomatic.conf" "DIR=$dir" \
		"BIND=$TOPO_NODE_CLIENT_IP:8085" "UPSTREAM=$TOPO_BACKEND_IP:80"
	perf_ns "$TOPO_NODE_NS" nginx -t -q -c "$dir/nginx-idiomatic.conf" -p "$dir" >"$dir/nginx-idiomatic.check" 2>&1 ||
		{ PEER_REASON="nginx config rejected: $(head -c 300 "$dir/nginx-idiomatic.check")"; return 1; }
	perf_spawn "$TOPO_NODE_NS" "$dir/nginx-idiomatic.out" taskset -c 1 nginx -c "$dir/nginx-idiomatic.conf" -p "$dir" -g 'daemon off;'
	PEER_MAIN_PID=$PERF_SPAWNED
	perf_wait_tcp "$TOPO_CLIENT_NS" "$TOPO_NODE_CLIENT_IP" 8085 ||
		{ PEER_REASON="nginx did not listen: $(tail -c 300 "$dir/nginx-idiomatic.out")"; return 1; }
	PEER_URL=http://$TOPO_NODE_CLIENT_IP:8085
	PEER_NS=$TOPO_CLIENT_NS
	PEER_MODE="reverse proxy, idiomatic rules (pcre_jit on; one capturing regex map + an exact map)"
}

# ---------------------------------------------------------------- nginx
peer_start_nginx() { # RULESDIR
	local dir=$1
	command -v nginx >/dev/null || { PEER_REASON="nginx not installed"; return 1; }
	mkdir -p "$dir/tmp"
	render "$PEERS_DIR/nginx-proxy.conf.in" "$dir/nginx-proxy.conf" "DIR=$dir" \
		"BIND=$TOPO_NODE_CLIENT_IP:8081" "BIND_H2=$TOPO_NODE_CLIENT_IP:8082" \
		"UPSTREAM=$TOPO_BACKEND_IP:80" "UPSTREAM_H2=$TOPO_BACKEND_IP:81"
	perf_ns "$TOPO_NODE_NS" nginx -t -q -c "$dir/nginx-proxy.conf" -p "$dir" >"$dir/nginx.check" 2>&1 ||
		{ PEER_REASON="nginx config rejected: $(head -c 300 "$dir/nginx.check")"; return 1; }
	perf_spawn "$TOPO_NODE_NS" "$dir/nginx.out" taskset -c 1 nginx -c "$dir/nginx-proxy.conf" -p "$dir" -g 'daemon off;'
	PEER_MAIN_PID=$PERF_SPAWNED
	perf_wait_tcp "$TOPO_CLIENT_NS" "$TOPO_NODE_CLIENT_IP" 8081 ||
		{ PEER_REASON="nginx did not listen: $(tail -c 300 "$dir/nginx.out")"; return 1; }
	PEER_URL=http://$TOPO_NODE_CLIENT_IP:8081
	PEER_URL_H2=http://$TOPO_NODE_CLIENT_IP:8082
	PEER_NS=$TOPO_CLIENT_NS
	PEER_MODE="reverse proxy (client addresses it; no transparent listen in nginx)"
}

# peer_stop PEER: stops the peer's main process (nginx master stops its
# workers), or calls peer_stop_PEER when the peer has its own.
peer_stop() {
	if declare -F "peer_stop_$1" >/dev/null; then "peer_stop_$1"; return; fi
	local pid=${PEER_PID_OF[$1]:-}
	[ -n "$pid" ] || return 0
	perf_kill_pid "$pid"
	perf_untrack_pid "$pid"
	PEER_PID_OF[$1]=""
}

# peer_start PEER RULESDIR: starts it and records its facts; 1 + PEER_REASON if not.
peer_start() {
	local peer=$1 dir=$2
	PEER_REASON="" PEER_MAIN_PID="" PEER_URL="" PEER_URL_H2="" PEER_NS="" PEER_MODE="" PEER_STATS=""
	PEER_BACKEND_NS=$TOPO_BACKEND_NS PEER_BACKEND_IP=$TOPO_BACKEND_IP
	if ! "peer_start_$peer" "$dir"; then
		[ -n "$PEER_MAIN_PID" ] && { perf_kill_pid "$PEER_MAIN_PID"; perf_untrack_pid "$PEER_MAIN_PID"; }
		return 1
	fi
	PEER_PID_OF[$peer]=$PEER_MAIN_PID
	PEER_URL_OF[$peer]=$PEER_URL
	PEER_URL_H2_OF[$peer]=$PEER_URL_H2
	PEER_NS_OF[$peer]=$PEER_NS
	PEER_MODE_OF[$peer]=$PEER_MODE
	PEER_STATS_OF[$peer]=$PEER_STATS
	PEER_BACKEND_NS_OF[$peer]=$PEER_BACKEND_NS
	PEER_BACKEND_IP_OF[$peer]=$PEER_BACKEND_IP
}
