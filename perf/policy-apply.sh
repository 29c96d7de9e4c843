#!/usr/bin/env bash
# Policy apply cost: for each rule count, a fresh CiliumL7 node (its own netns,
# the real bin/ciliuml7-agent, two pods through the CNI plugin), then
# `ciliuml7 policy import` of the perf CNP with N HTTP rules (perf/lib/rules.sh,
# the same generator as the rules10k scenario). Reports per N:
#   import_s   seconds from `policy import` start to the agent logging
#              "Regenerated policy revision R" for the imported revision
#   cli_s      seconds the CLI took (exit code in parentheses)
#   cpu_s      agent CPU seconds (user+sys) from import to applied: the cost
#              itself, unlike the wall times, hardly moved by other load
#   idle_mb    agent RSS before the import (pods created, no policy)
#   after_mb   agent RSS 2 s after the policy was applied
#   peak_mb    agent VmHWM (peak RSS) at that point
#
#
# --traffic: a policy UPDATE with requests flowing. The node also runs the
# backend (nginx) in the backend pod; a base policy with rule 1 only
# (GET /svc1/v1/[a-z]+) is imported first (with the CLI, which also warms the
# agent), then three bounded curl loops run from the client pod, one request
# per connection, through the datapath redirect and the proxy:
#   allowed  GET /svc1/v1/items     allowed by both policies: a 403 is wrong
#   denied   GET /nomatch/v1/items  denied by both: a 200 is wrong
#   new      GET /svcN/v1/items     allowed by the new policy only: 403 until
#            the new policy is in force, then 200 (a 403 after the first 200,
#            or a 200 before the import, is wrong)
# and the N-rule policy (same name: it replaces the base) is imported over the
# agent's REST socket exactly as the CLI does (PUT /v1/policy, then
# GET /v1/status?wait-applied=R), so the time is the agent's, not the CLI
# process start-up. Reports per N:
#   api_s      PUT start to wait-applied answered (BPF maps written, proxy
#              snapshot swapped)
#   agent_ms   the agent's own part of api_s, from its log: validation time plus
#              the time from then to the regeneration logged done (ms)
#   seen_s     PUT start to the first request of "new" started that got a 200
#              (the new policy observed on the wire; bounded below by one
#              request's round trip, ~5-10 ms of curl start-up)
#   again_s    the same for a second update (N+1 rules) right after, the N-rule
#              policy in force and the agent warm for that size (again_ms: the
#              agent's own part, as agent_ms)
#   reqs       requests made while the loops ran (~1 s before the first
#              import, ~1 s after the second; both swaps inside)
#   wrong      wrong verdicts (as above): must be 0
#   other      answers that were neither 200 nor 403 (resets, timeouts: 000)
#   cpu_s      agent CPU seconds of the first update (PUT to applied, requests included)
#   idle_mb, after_mb, peak_mb as above (idle: pods created, no policy; after:
#              after both updates)
#
#   bash perf/policy-apply.sh [--traffic] [N...]   default: 1 1000 10000
#   PA_TASKSET=1 bash perf/policy-apply.sh          agent pinned to CPU 1, as perf/run.sh runs it
#   PA_SHOW=1 ...                                    also print the CLI output and the agent log
#   PA_TRACE=F.nettrace ... --traffic N              dotnet-trace (sampled thread time) of the agent around the import
# Needs root and `make build`. Everything it creates is removed on exit.
set -uo pipefail

PERF_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_ROOT=$(cd "$PERF_ROOT/.." && pwd)
BIN=${CILIUML7_BIN:-$REPO_ROOT/bin}
# shellcheck source=lib/common.sh
source "$PERF_ROOT/lib/common.sh"
# shellcheck source=lib/rules.sh
source "$PERF_ROOT/lib/rules.sh"

[ "$(id -u)" = 0 ] || perf_die "needs root (network namespaces, eBPF)"
for f in ciliuml7 ciliuml7-agent ciliuml7-cni; do
	[ -x "$BIN/$f" ] || perf_die "bin/$f missing (run make build)"
done
TRAFFIC=0
if [ "${1:-}" = --traffic ]; then
	TRAFFIC=1
	shift
	command -v nginx >/dev/null || perf_die "--traffic needs nginx (the backend)"
	command -v curl >/dev/null || perf_die "--traffic needs curl"
	PEERS_DIR=$PERF_ROOT/peers
	# shellcheck source=lib/peers.sh
	source "$PERF_ROOT/lib/peers.sh"
fi
COUNTS=("$@")
[ ${#COUNTS[@]} -gt 0 ] || COUNTS=(1 1000 10000)

RUN_ID=pa$$$RANDOM
WORK=$(mktemp -d /tmp/ciliuml7-policy-apply.XXXXXX)
perf_on_cleanup "rm -rf '$WORK'"
PERF_WORK=$WORK
export LC_ALL=C # $EPOCHREALTIME with a dot
perf_install_traps

mb() { awk -v k="$1" 'BEGIN { printf "%.0f", k / 1024 }'; }
hwm_kb() { awk '/^VmHWM:/ {print $2}' "/proc/$1/status" 2>/dev/null; }

# node_up N OCTET: a fresh node with the agent and two pods; sets dir node
# state sock pid (and backend_ip with --traffic: the backend nginx runs).
node_up() {
	local n=$1 octet=$2 bpf i json
	dir=$WORK/n$n node=pan$n-$RUN_ID
	mkdir -p "$dir/policies" "$dir/rules"
	state=$dir/state bpf=/sys/fs/bpf/ciliuml7-pa$n-$RUN_ID sock=$dir/state/agent.sock
	ip netns add "$node" || perf_die "ip netns add $node"
	perf_track_netns "$node"
	perf_on_cleanup "rm -rf '$bpf'"
	perf_on_cleanup "ip netns del pac$n-$RUN_ID; ip netns del pab$n-$RUN_ID"
	perf_on_cleanup "timeout 60 nsenter --net=/var/run/netns/$node '$BIN/ciliuml7-agent' cleanup --state-dir '$state' --bpf-root '$bpf' --policy-dir '$dir/policies'"
	perf_ns "$node" ip link set lo up
	perf_ns "$node" ip route add blackhole "10.244.$octet.0/24"
	perf_spawn "$node" "$dir/agent.log" ${PA_TASKSET:+taskset -c "$PA_TASKSET"} "$BIN/ciliuml7-agent" --state-dir "$state" --bpf-root "$bpf" \
		--policy-dir "$dir/policies" --pod-cidr "10.244.$octet.0/24" --node-name "pa-$n-$RUN_ID"
	pid=$PERF_SPAWNED
	for ((i = 0; i < 300; i++)); do
		cli status -o json >/dev/null 2>&1 && break
		kill -0 "$pid" 2>/dev/null || perf_die "agent exited: $(tail -n 3 "$dir/agent.log")"
		sleep 0.1
	done
	cli endpoint create --netns "pac$n-$RUN_ID" --name perf-client --namespace default --labels app=perf-client >/dev/null ||
		perf_die "endpoint create perf-client"
	json=$(cli endpoint create --netns "pab$n-$RUN_ID" --name perf-backend --namespace default --labels app=perf-backend -o json) ||
		perf_die "endpoint create perf-backend"
	backend_ip=$(jq -r '.ipv4' <<<"$json")
	backend_ip=${backend_ip%%/*}
	if [ "$TRAFFIC" = 1 ]; then
		backend_start "pab$n-$RUN_ID" "$backend_ip" "$dir/backend"
	fi
	sleep 2
}

cli() { timeout -k 5 600 nsenter --net="/var/run/netns/$node" "$BIN/ciliuml7" "$@" -H "unix://$sock"; }
api() { timeout -k 5 120 curl -s --unix-socket "$sock" "$@"; }

# one_run N OCTET: prints "N import_s cli_s(rc) cpu_s idle_mb after_mb peak_mb"
one_run() {
	local n=$1 octet=$2
	local dir node state sock pid backend_ip i rev t0 t1 t2 rc idle after peak c0 c1
	node_up "$n" "$octet"
	idle=$(perf_rss_kb "$pid")
	rules_gen_many "$dir/rules.txt" "$n"
	rules_render "$dir/rules.txt" "$dir/rules"
	rev=$(cli status -o json | jq -r '.policyRevision')
	rev=$((rev + 1))
	c0=$(perf_cpu_ticks "$pid")
	t0=$(date +%s.%N)
	cli policy import "$dir/rules/cnp.yaml" >"$dir/import.out" 2>&1
	rc=$?
	t1=$(date +%s.%N)
	for ((i = 0; i < 6000; i++)); do
		grep -q "Regenerated policy revision $rev " "$dir/agent.log" && break
		sleep 0.1
	done
	t2=$(date +%s.%N)
	c1=$(perf_cpu_ticks "$pid")
	grep -q "Regenerated policy revision $rev " "$dir/agent.log" || perf_warn "N=$n: revision $rev never applied: $(tail -n 5 "$dir/agent.log")"
	[ "$rc" = 0 ] || perf_warn "N=$n: policy import exited $rc: $(head -c 300 "$dir/import.out")"
	[ -n "${PA_SHOW:-}" ] && cat "$dir/import.out" "$dir/agent.log" >&2
	sleep 2
	after=$(perf_rss_kb "$pid")
	peak=$(hwm_kb "$pid")
	printf '%-6s %9s %9s %6s %8s %9s %8s\n' "$n" \
		"$(awk -v a="$t0" -v b="$t2" 'BEGIN { printf "%.2f", b - a }')" \
		"$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }')($rc)" \
		"$(perf_ticks_to_s $((c1 - c0)))" \
		"$(mb "$idle")" "$(mb "$after")" "$(mb "${peak:-0}")"
	perf_kill_pid "$pid"
	perf_untrack_pid "$pid"
}

# agent_ms LOG REV: the agent's own import-to-applied time of revision REV from its log:
# "read and validated in X ms" plus the time from that line to "Regenerated policy revision
# REV" (log timestamps, ms); excludes the client (curl/CLI start-up, jq) and the socket.
agent_ms() {
	awk -v rev="$2" '
		function ms(ts,  p) { split(ts, p, ":"); return (p[1] * 3600 + p[2] * 60 + p[3]) * 1000 }
		index($0, "(revision " rev ", read and validated in ") { v = $0; sub(/.*validated in /, "", v); sub(/ ms.*/, "", v); t = ms($1) }
		index($0, "Regenerated policy revision " rev " ") && t != "" { printf "%.0f", v + ms($1) - t; found = 1; exit }
		END { if (!found) printf "-" }' "$1"
}

# The request loop run in the client pod: one curl (one connection) per request,
# "start-time http-code" per line, until STOP exists (bounded: 120 s, 100k requests).
LOOP_SCRIPT='
url=$1 stop=$2 end=$((EPOCHSECONDS + 120))
for ((i = 0; i < 100000; i++)); do
	[ -e "$stop" ] && break
	((EPOCHSECONDS > end)) && break
	t=$EPOCHREALTIME
	echo "$t $(curl -s -o /dev/null -m 2 -w "%{http_code}" "$url")"
done'

# traffic_run N OCTET: prints "N api_s seen_s reqs wrong other cpu_s idle_mb after_mb peak_mb"
traffic_run() {
	local n=$1 octet=$2
	local dir node state sock pid backend_ip i rev rev1 t0 t1 t2 t3 t4 idle after peak c0 c1 name url loops=() verdict
	node_up "$n" "$octet"
	idle=$(perf_rss_kb "$pid")
	rules_gen_many "$dir/base.txt" 1
	mkdir -p "$dir/base"
	rules_render "$dir/base.txt" "$dir/base"
	cli policy import "$dir/base/cnp.yaml" >"$dir/import-base.out" 2>&1 || perf_die "N=$n: base policy import: $(head -c 300 "$dir/import-base.out")"
	rules_gen_many "$dir/rules.txt" "$n"
	rules_render "$dir/rules.txt" "$dir/rules"
	for name in allowed denied new; do
		case $name in
		allowed) url=http://$backend_ip/svc1/v1/items ;;
		denied) url=http://$backend_ip/nomatch/v1/items ;;
		new) url=http://$backend_ip/svc$n/v1/items ;;
		esac
		[ "$name" = new ] && [ "$n" = 1 ] && url=http://$backend_ip/nomatch2/v1/items # N=1: nothing new
		perf_spawn "pac$n-$RUN_ID" "$dir/traffic-$name.log" bash -c "$LOOP_SCRIPT" loop "$url" "$dir/stop"
		loops+=("$PERF_SPAWNED")
	done
	sleep 1
	local tracer=""
	if [ -n "${PA_TRACE:-}" ]; then # PA_TRACE=FILE.nettrace: sampled thread stacks of the agent around the import
		"${DOTNET_TRACE:-dotnet-trace}" collect -p "$pid" --profile dotnet-sampled-thread-time -o "$PA_TRACE" --duration 00:00:00:04 >"$dir/trace.out" 2>&1 &
		tracer=$!
		sleep 1
	fi
	c0=$(perf_cpu_ticks "$pid")
	t0=$EPOCHREALTIME
	rev=$(api -X PUT -H 'Content-Type: application/yaml' --data-binary "@$dir/rules/cnp.yaml" 'http://agent/v1/policy?source=cnp.yaml' | jq -r '.revision // empty')
	t1=$EPOCHREALTIME
	[ -n "$rev" ] || perf_die "N=$n: PUT /v1/policy returned no revision"
	api "http://agent/v1/status?wait-applied=$rev" >"$dir/status.json"
	t2=$EPOCHREALTIME
	rev1=$rev
	c1=$(perf_cpu_ticks "$pid")
	[ "$(jq -r '.policyRevisionApplied // 0' "$dir/status.json")" -ge "$rev" ] || perf_warn "N=$n: revision $rev not applied: $(head -c 300 "$dir/status.json")"
	# A second update while the N-rule policy is in force (N+1 rules: one added), the agent now warm for
	# this size: what a change to a big policy costs once the agent has applied one.
	sleep 1
	rules_gen_many "$dir/rules2.txt" $((n + 1))
	mkdir -p "$dir/rules2"
	rules_render "$dir/rules2.txt" "$dir/rules2"
	t3=$EPOCHREALTIME
	rev=$(api -X PUT -H 'Content-Type: application/yaml' --data-binary "@$dir/rules2/cnp.yaml" 'http://agent/v1/policy?source=cnp.yaml' | jq -r '.revision // empty')
	[ -n "$rev" ] || perf_die "N=$n: second PUT /v1/policy returned no revision"
	api "http://agent/v1/status?wait-applied=$rev" >"$dir/status2.json"
	t4=$EPOCHREALTIME
	sleep 1
	[ -n "$tracer" ] && wait "$tracer"
	touch "$dir/stop"
	for i in "${loops[@]}"; do
		wait "$i" 2>/dev/null
		perf_untrack_pid "$i"
	done
	[ -n "${PA_SHOW:-}" ] && cat "$dir/agent.log" >&2
	after=$(perf_rss_kb "$pid")
	peak=$(hwm_kb "$pid")
	# allowed: 403 wrong; denied: 200 wrong; new: 200 before t0 or 403 after its first 200 wrong (N=1: like denied)
	verdict=$(awk -v t0="$t0" -v n="$n" '
		FILENAME ~ /allowed/ { reqs++; if ($2 == 403) wrong++; else if ($2 != 200) other++; next }
		FILENAME ~ /denied/  { reqs++; if ($2 == 200) wrong++; else if ($2 != 403) other++; next }
		{
			reqs++
			if ($2 != 200 && $2 != 403) { other++; next }
			if (n == 1) { if ($2 == 200) wrong++; next }
			if ($2 == 200 && $1 < t0) wrong++
			else if ($2 == 200 && seen == "") seen = $1
			else if ($2 == 403 && seen != "") wrong++
		}
		END { printf "%s %d %d %d", (seen == "" ? "-" : sprintf("%.3f", seen - t0)), reqs, wrong, other }
	' "$dir/traffic-allowed.log" "$dir/traffic-denied.log" "$dir/traffic-new.log")
	read -r seen reqs wrong other <<<"$verdict"
	[ "$wrong" = 0 ] || perf_warn "N=$n: $wrong wrong verdict(s) during the swap (logs: traffic-*.log)"
	[ "$n" = 1 ] || [ "$seen" != - ] || perf_warn "N=$n: GET /svc$n/v1/items never got a 200 after the import"
	printf '%-6s %7s %8s %7s %8s %9s %6s %6s %6s %6s %8s %9s %8s\n' "$n" \
		"$(awk -v a="$t0" -v b="$t2" 'BEGIN { printf "%.3f", b - a }')" "$(agent_ms "$dir/agent.log" "$rev1")" "$seen" \
		"$(awk -v a="$t3" -v b="$t4" 'BEGIN { printf "%.3f", b - a }')" "$(agent_ms "$dir/agent.log" "$rev")" "$reqs" "$wrong" "$other" \
		"$(perf_ticks_to_s $((c1 - c0)))" \
		"$(mb "$idle")" "$(mb "$after")" "$(mb "${peak:-0}")"
	perf_kill_pid "$BACKEND_PID"
	perf_untrack_pid "$BACKEND_PID"
	perf_kill_pid "$pid"
	perf_untrack_pid "$pid"
}

octet=$((200 + RANDOM % 50))
if [ "$TRAFFIC" = 1 ]; then
	printf '%-6s %7s %8s %7s %8s %9s %6s %6s %6s %6s %8s %9s %8s\n' rules api_s agent_ms seen_s again_s again_ms reqs wrong other cpu_s idle_mb after_mb peak_mb
else
	printf '%-6s %9s %9s %6s %8s %9s %8s\n' rules import_s cli_s cpu_s idle_mb after_mb peak_mb
fi
for n in "${COUNTS[@]}"; do
	if [ "$TRAFFIC" = 1 ]; then
		traffic_run "$n" "$octet"
	else
		one_run "$n" "$octet"
	fi
	octet=$((octet + 1))
done
