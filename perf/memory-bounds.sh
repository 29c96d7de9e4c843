#!/usr/bin/env bash
# Agent memory under hostile input (issue: resource bounds). Starts bin/ciliuml7-agent in a netns of its
# own, records VmRSS at rest, after N rejected policy imports (each a 1.5 MB policy whose value is invalid,
# the kind that once made the agent log and keep 20 MB per attempt) and after N rejected deep imports
# (100,000-deep flow sequences). Prints one markdown table row per step; root only. Cleans up on exit.
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-100}
suffix=$RANDOM$$
ns=cl7mem-$suffix
tmp=$(mktemp -d)
bpf=/sys/fs/bpf/ciliuml7-mem-$suffix
agent_pid=
cleanup() {
	[ -n "$agent_pid" ] && kill "$agent_pid" 2>/dev/null && wait "$agent_pid" 2>/dev/null || true
	ip netns exec "$ns" bin/ciliuml7-agent cleanup --state-dir "$tmp/state" --bpf-root "$bpf" --policy-dir "$tmp/policies" >/dev/null 2>&1 || true
	rm -rf "$bpf" "$tmp"
	ip netns del "$ns" 2>/dev/null || true
}
trap cleanup EXIT
ip netns add "$ns"
ip -n "$ns" link set lo up
mkdir -p "$tmp/policies"
DOTNET_gcServer=0 ip netns exec "$ns" bin/ciliuml7-agent --state-dir "$tmp/state" --bpf-root "$bpf" --policy-dir "$tmp/policies" \
	--pod-cidr 10.244.$((RANDOM % 250 + 1)).0/24 --node-name mem-$suffix >"$tmp/agent.log" 2>&1 &
agent_pid=$!
sock=$tmp/state/agent.sock
for _ in $(seq 1 300); do curl -sf --unix-socket "$sock" http://localhost/v1/healthz >/dev/null 2>&1 && break; sleep 0.1; done
rss() { awk '/VmRSS/ {print $2}' "/proc/$agent_pid/status"; }
python3 - "$tmp" <<'PY'
import sys
d = sys.argv[1]
head = 'apiVersion: cilium.io/v2\nkind: CiliumNetworkPolicy\nmetadata:\n  name: huge\nspec:\n  endpointSelector: {}\n  ingress:\n  - toPorts:\n    - ports:\n      - port: "80"\n        protocol: TCP\n      rules:\n        http:\n        - path: "'
open(d + '/huge.yaml', 'w').write(head + '(' * 1_500_000 + '"\n')
open(d + '/deep.yaml', 'w').write('[' * 100_000 + ']' * 100_000 + '\n')
PY
echo "| step | agent VmRSS (MiB) | agent log (KiB) |"
echo "|---|---|---|"
row() { printf '| %s | %.1f | %d |\n' "$1" "$(echo "$(rss) / 1024" | bc -l)" "$(( $(stat -c %s "$tmp/agent.log") / 1024 ))"; }
row "at rest"
for i in $(seq 1 "$n"); do
	curl -s -o /dev/null --unix-socket "$sock" -X PUT -H 'Content-Type: application/yaml' --data-binary @"$tmp/huge.yaml" http://localhost/v1/policy
done
row "after $n rejected 1.5 MB imports"
for i in $(seq 1 "$n"); do
	curl -s -o /dev/null --unix-socket "$sock" -X PUT -H 'Content-Type: application/yaml' --data-binary @"$tmp/deep.yaml" http://localhost/v1/policy
done
row "after $n rejected 100k-deep imports"
curl -sf --unix-socket "$sock" http://localhost/v1/healthz >/dev/null && echo "agent healthy (pid $agent_pid)"
