#!/usr/bin/env bash
# make demo-cluster: the Death Star tutorial on a 3-node cluster on this host
# (ciliuml7 cluster up): deathstar replicas on node2 and node3, tiefighter and
# xwing on node1, every step asserted as `make demo` does, then Hubble Relay
# (observe --server) shows the L3/L4 drop and the L7 403 with the node that
# made each. Everything is removed at the end, even after a failure.
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BIN=$ROOT/bin
NAME=${CILIUML7_DEMO_CLUSTER:-cl7demo}
RELAY=${CILIUML7_DEMO_RELAY:-127.0.0.1:4245}
export CILIUML7_CLUSTER=$NAME

APP_PIDS=()
APP_LOGS=$(mktemp -d)
source "$ROOT/scripts/lib-demo.sh"
cli() { "$BIN/ciliuml7" "$@"; }

teardown() {
	set +e
	trap '' PIPE INT
	info "Tearing down"
	local pid
	for pid in "${APP_PIDS[@]}"; do
		kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null
	done
	say "${c_dim}\$ ciliuml7 cluster down --name $NAME${c_off}"
	cli cluster down --name "$NAME" | sed 's/^/  | /'
	rm -rf "$APP_LOGS"
}
trap teardown EXIT
trap 'exit 130' INT TERM

if [ "$(id -u)" != 0 ]; then say "This needs root (eBPF programs, network namespaces)."; exit 1; fi

info "Creating a 3-node cluster (etcd, an agent per node, Hubble Relay)"
say "${c_dim}\$ ciliuml7 cluster up --nodes 3 --name $NAME --relay-address $RELAY${c_off}"
cli cluster up --nodes 3 --name "$NAME" --relay-address "$RELAY" | sed 's/^/  | /'
[ "${PIPESTATUS[0]}" = 0 ] || { say "the cluster did not come up"; exit 1; }
cli cluster status --name "$NAME" | sed 's/^/  | /'

info "Deploying the Death Star app: deathstar on node2 and node3, the ships on node1"
declare -A POD_NODE=([deathstar-6fb5694d48-5hmds]=node2 [deathstar-6fb5694d48-fhf65]=node3 [tiefighter]=node1 [xwing]=node1)
for pod in "${PODS[@]}"; do
	node=${POD_NODE[$pod]}
	say "${c_dim}\$ ciliuml7 endpoint create --node $node --netns $NAME-$pod --name $pod --labels ${POD_LABELS[$pod]}${c_off}"
	cli endpoint create --node "$node" --netns "$NAME-$pod" --name "$pod" --namespace default --labels "${POD_LABELS[$pod]}" >/dev/null || exit 1
done
for pod in "${DEATHSTAR_PODS[@]}"; do
	# Not through the cli function: $! must be ciliuml7 exec itself (it passes SIGTERM on to the app).
	"$BIN/ciliuml7" --node "${POD_NODE[$pod]}" exec "$pod" -- "$BIN/ciliuml7-deathstar" --listen 0.0.0.0:80 --name "$pod" \
		>>"$APP_LOGS/$pod.log" 2>&1 </dev/null &
	APP_PIDS+=($!)
done
info "Exposing the deathstar service on every node (backends on any node)"
for node in node1 node2 node3; do
	say "${c_dim}\$ ciliuml7 --node $node service create deathstar --namespace default --port 80 --selector org=empire,class=deathstar${c_off}"
	cli --node "$node" service create deathstar --namespace default --port 80 --selector org=empire,class=deathstar >/dev/null || exit 1
done
# Wait (bounded) until node1 balances to both remote replicas and they answer.
for i in $(seq 1 100); do
	if cli --node node1 exec tiefighter -- curl -s -m 1 -o /dev/null deathstar.default.svc.cluster.local/v1/healthz 2>/dev/null; then
		break
	fi
	sleep 0.2
done
cli --node node1 service list | sed 's/^/  | /'

import() {
	local node
	for node in node1 node2 node3; do
		say "  \$ ciliuml7 --node $node policy import examples/deathstar/$1"
		cli --node "$node" policy import "$ROOT/examples/deathstar/$1" | sed 's/^/  | /'
	done
}

info "Step 1: no policy — both ships land (across the underlay)"
expect "the xwing lands" 0 "Ship landed" --node node1 exec xwing -- "${landing[@]}"
expect "the tiefighter lands" 0 "Ship landed" --node node1 exec tiefighter -- "${landing[@]}"

info "Step 2: L3/L4 policy (on every node) — only the empire may land"
import sw_l3_l4_policy.yaml
expect "the tiefighter lands" 0 "Ship landed" --node node1 exec tiefighter -- "${landing[@]}"
expect "the xwing's SYN is dropped on the deathstar's node: connection timed out (curl exit 28)" 28 "" --node node1 exec xwing -- "${landing_timeout[@]}"
expect "L3/L4 policy cannot stop the tiefighter from exploding the Death Star" 0 "Panic: deathstar exploded" --node node1 exec tiefighter -- "${exhaust[@]}"

info "Step 3: L7 policy — the tiefighter may only request landing"
import sw_l3_l4_l7_policy.yaml
expect "the tiefighter still lands" 0 "Ship landed" --node node1 exec tiefighter -- "${landing[@]}"
expect "the exhaust port is refused by the deathstar node's proxy: Access denied" 0 "Access denied" --node node1 exec tiefighter -- "${exhaust[@]}"
expect "the xwing still times out" 28 "" --node node1 exec xwing -- "${landing_timeout[@]}"

info "What Hubble Relay shows: every node's flows, each with the node that made it"
say "  \$ ciliuml7 observe --server $RELAY --verdict DROPPED --last 50"
flows=$(cli observe --server "$RELAY" --verdict DROPPED --last 50 2>&1)
printf '%s\n' "$flows" | sed 's/^/  | /'
check_flow "xwing's SYN dropped by policy at a deathstar's ingress, on node2 or node3" "$flows" \
	'\[node[23]\]: default/xwing:[0-9]+ .*(->|<>) default/deathstar-[a-z0-9-]+:80 .*Policy denied.*DROPPED'
check_flow "tiefighter's PUT /v1/exhaust-port dropped at L7, on node2 or node3" "$flows" \
	'\[node[23]\]: default/tiefighter:[0-9]+ .*-> default/deathstar-[a-z0-9-]+:80 .*http-request DROPPED \(HTTP/1.1 PUT http://deathstar.default.svc.cluster.local/v1/exhaust-port\)'
say "  \$ ciliuml7 observe --server $RELAY --http-status 403 --last 5"
denied=$(cli observe --server "$RELAY" --http-status 403 --last 5 2>&1)
printf '%s\n' "$denied" | sed 's/^/  | /'
check_flow "the 403 the deathstar node's proxy answered, with that node's name" "$denied" \
	'\[node[23]\]: default/tiefighter:[0-9]+ .*<- default/deathstar-[a-z0-9-]+:80 .*http-response FORWARDED \(HTTP/1.1 403'
say "  \$ ciliuml7 cluster status --name $NAME   # the relay's view"
relay=$(cli cluster status --name "$NAME" 2>&1 | grep '^Relay:')
say "  | $relay"
check_flow "Hubble Relay connected to all 3 nodes" "$relay" 'ok \(3 nodes connected\)'

demo_finish "The Death Star tutorial on 3 nodes"
