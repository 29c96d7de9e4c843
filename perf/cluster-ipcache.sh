#!/usr/bin/env bash
# perf/cluster-ipcache.sh [--write]: a 3-node cluster (`ciliuml7 cluster up`, etcd on the underlay),
#  1. N pods created one by one on node1: time from `endpoint create` returning to the pod's row in
#     node3's ipcache BPF map (polled with `bpftool map dump`, a process start per try: an upper bound);
#  2. identity allocation: IDS pods with labels nobody has (each allocates a new identity in etcd)
#     against IDS pods with one shared label set (no allocation), per second.
# Root, after `make build`. --write replaces the block between the cluster-ipcache markers in
# perf/RESULTS.md. The cluster is removed at the end, even on failure.
set -uo pipefail
cd "$(dirname "$0")/.."
N=${N:-50}
IDS=${IDS:-50}
WRITE=0; [ "${1:-}" = "--write" ] && WRITE=1
NAME=cl7perf$$
RELAY=127.0.0.1:$((20000 + RANDOM % 20000))
export CILIUML7_CLUSTER=$NAME
cli() { bin/ciliuml7 "$@"; }
teardown() { cli cluster down --name "$NAME" >/dev/null; }
trap teardown EXIT
trap 'exit 130' INT TERM

cli cluster up --nodes 3 --name "$NAME" --relay-address "$RELAY" >/dev/null || { echo "cluster up failed"; exit 1; }
map=/sys/fs/bpf/ciliuml7-$NAME-node3/cl7_ipcache
ms() { echo $(( ($(date +%s%N) - $1) / 1000000 )); }

# :: 1. create on node1 → row in node3's map
samples=()
for i in $(seq 1 "$N"); do
	ip=$(cli endpoint create --node node1 --netns "$NAME-l$i" --name "lat$i" --labels app=perf-latency -o json | jq -r .ipv4)
	t0=$(date +%s%N)
	pat=$(awk -F. '{printf "\"0x%02x\",\"0x%02x\",\"0x%02x\",\"0x%02x\"", $1,$2,$3,$4}' <<<"$ip")
	for _ in $(seq 1 1000); do
		bpftool -j map dump pinned "$map" 2>/dev/null | grep -qF "$pat" && break
	done
	samples+=("$(ms "$t0")")
done
sorted=($(printf '%s\n' "${samples[@]}" | sort -n))
pct() { local i=$(( ($1 * ${#sorted[@]} + 99) / 100 - 1 )); [ "$i" -lt 0 ] && i=0; echo "${sorted[$i]}"; }
p50=$(pct 50); p99=$(pct 99); min=${sorted[0]}; max=${sorted[-1]}

# :: 2. identity allocation rate (new labels each time) against the same creates without allocation
t0=$(date +%s%N)
for i in $(seq 1 "$IDS"); do cli endpoint create --node node2 --netns "$NAME-n$i" --name "new$i" --labels "app=perf-id-$i" -o json >/dev/null; done
new_ms=$(ms "$t0")
t0=$(date +%s%N)
for i in $(seq 1 "$IDS"); do cli endpoint create --node node2 --netns "$NAME-s$i" --name "same$i" --labels app=perf-shared -o json >/dev/null; done
same_ms=$(ms "$t0")
new_rate=$(awk -v n="$IDS" -v t="$new_ms" 'BEGIN { printf "%.1f", n * 1000 / t }')
same_rate=$(awk -v n="$IDS" -v t="$same_ms" 'BEGIN { printf "%.1f", n * 1000 / t }')
per_id=$(awk -v n="$IDS" -v a="$new_ms" -v b="$same_ms" 'BEGIN { printf "%.1f", (a - b) / n }')
load=$(cut -d' ' -f1-3 /proc/loadavg)

block=$(cat <<MD
<!-- cluster-ipcache:begin -->
\`bash perf/cluster-ipcache.sh --write\` ($(date -u '+%Y-%m-%d %H:%M UTC'), load average $load; N=$N, IDS=$IDS):

| pod created on node1 → row in node3's ipcache map | min | p50 | p99 | max |
|---|---|---|---|---|
| $N samples | $min ms | $p50 ms | $p99 ms | $max ms |

| endpoint create on node2 | per second |
|---|---|
| new labels each time (allocates an identity in etcd) | $new_rate |
| one shared label set (no allocation) | $same_rate |
| identity allocation's share of a create | ≈ $per_id ms |
<!-- cluster-ipcache:end -->
MD
)
printf '%s\n' "$block"
if [ "$WRITE" = 1 ]; then
	python3 - "$block" <<'PY'
import re, sys
path = "perf/RESULTS.md"
text = open(path).read()
block = sys.argv[1]
new, n = re.subn(r"<!-- cluster-ipcache:begin -->.*?<!-- cluster-ipcache:end -->", lambda m: block, text, flags=re.S)
if n == 0:
    sys.exit("perf/RESULTS.md has no cluster-ipcache markers")
open(path, "w").write(new)
PY
fi
