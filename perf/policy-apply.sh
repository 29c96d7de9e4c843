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
#   bash perf/policy-apply.sh [N...]          default: 1 1000 10000
#   PA_TASKSET=1 bash perf/policy-apply.sh     agent pinned to CPU 1, as perf/run.sh runs it
#   PA_SHOW=1 ...                               also print the CLI output and the agent log
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
COUNTS=("$@")
[ ${#COUNTS[@]} -gt 0 ] || COUNTS=(1 1000 10000)

RUN_ID=pa$$$RANDOM
WORK=$(mktemp -d /tmp/ciliuml7-policy-apply.XXXXXX)
perf_on_cleanup "rm -rf '$WORK'"
perf_install_traps

mb() { awk -v k="$1" 'BEGIN { printf "%.0f", k / 1024 }'; }
hwm_kb() { awk '/^VmHWM:/ {print $2}' "/proc/$1/status" 2>/dev/null; }

# one_run N OCTET: prints "N import_s cli_s(rc) idle_mb after_mb peak_mb"
one_run() {
	local n=$1 octet=$2
	local dir=$WORK/n$n node=pan$n-$RUN_ID state bpf sock pid i rev t0 t1 t2 rc idle after peak c0 c1
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
	cli() { timeout -k 5 600 nsenter --net="/var/run/netns/$node" "$BIN/ciliuml7" "$@" -H "unix://$sock"; }
	for ((i = 0; i < 300; i++)); do
		cli status -o json >/dev/null 2>&1 && break
		kill -0 "$pid" 2>/dev/null || perf_die "agent exited: $(tail -n 3 "$dir/agent.log")"
		sleep 0.1
	done
	cli endpoint create --netns "pac$n-$RUN_ID" --name perf-client --namespace default --labels app=perf-client >/dev/null ||
		perf_die "endpoint create perf-client"
	cli endpoint create --netns "pab$n-$RUN_ID" --name perf-backend --namespace default --labels app=perf-backend >/dev/null ||
		perf_die "endpoint create perf-backend"
	sleep 2
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

printf '%-6s %9s %9s %6s %8s %9s %8s\n' rules import_s cli_s cpu_s idle_mb after_mb peak_mb
octet=$((200 + RANDOM % 50))
for n in "${COUNTS[@]}"; do
	one_run "$n" "$octet"
	octet=$((octet + 1))
done
