#!/usr/bin/env bash
# Agent memory under many client connections (issue: resource bounds), with the product's default limits.
# One node netns running bin/ciliuml7-agent, a client pod and a server pod (python3 http.server) through the
# CNI path, an L7 policy on the server's port 80 so every connection lands in the agent's proxy. Then:
#   1. N idle keep-alive connections (default 10,000): each sends one allowed GET, reads the answer, stays open;
#   2. slowloris (slowhttptest -H, default 2,000 connections): headers that never end, one line every 10 s.
# Prints the agent's VmRSS at rest, at the peak of each phase and after it, as a markdown table.
# Root; cleans up everything it made on exit (processes by PID, netns, bpffs pins, temp dir).
#   usage: perf/connection-bounds.sh [idle connections, default 10000] [slowloris connections, default 2000]
set -euo pipefail
cd "$(dirname "$0")/.."
IDLE=${1:-10000}
SLOW=${2:-2000}
S=$RANDOM
NODE=l7cn-$S; CLIENT=l7cc-$S; SERVER=l7cs-$S
TMP=$(mktemp -d); STATE=$TMP/state; BPF=/sys/fs/bpf/ciliuml7-conn-$S
CIDR=10.244.$((RANDOM % 200 + 20)).0/24
AGENT_PID=; HTTPD_PID=; SAMPLER_PID=
cleanup() {
	for p in $SAMPLER_PID $HTTPD_PID; do kill "$p" 2>/dev/null || true; done
	if [ -n "$AGENT_PID" ]; then kill "$AGENT_PID" 2>/dev/null || true; wait "$AGENT_PID" 2>/dev/null || true; fi
	nsenter --net=/var/run/netns/$NODE bin/ciliuml7-agent cleanup --state-dir "$STATE" --bpf-root "$BPF" --policy-dir "$TMP/p" >/dev/null 2>&1 || true
	ip netns del "$CLIENT" 2>/dev/null || true; ip netns del "$SERVER" 2>/dev/null || true; ip netns del "$NODE" 2>/dev/null || true
	rm -rf "$TMP" "$BPF"
}
trap cleanup EXIT
command -v slowhttptest >/dev/null || { echo "slowhttptest missing (apt-get install slowhttptest)" >&2; exit 1; }
ulimit -n "$(ulimit -Hn)" # 10,000 client sockets in one process
mkdir -p "$TMP/p"
ip netns add "$NODE"; ip -n "$NODE" link set lo up; ip -n "$NODE" route add blackhole "$CIDR"
nsenter --net=/var/run/netns/$NODE bin/ciliuml7-agent --state-dir "$STATE" --bpf-root "$BPF" --policy-dir "$TMP/p" \
	--pod-cidr "$CIDR" --node-name conn-$S --hubble-listen-address "" --hubble-metrics-server "" >"$TMP/agent.log" 2>&1 &
AGENT_PID=$!
for _ in $(seq 100); do [ -S "$STATE/agent.sock" ] && break; sleep 0.2; done
CLI() { nsenter --net=/var/run/netns/$NODE bin/ciliuml7 -H unix://$STATE/agent.sock "$@"; }
CLI endpoint create --netns "$CLIENT" --name client --namespace default --labels app=client >/dev/null
SERVER_IP=$(CLI endpoint create --netns "$SERVER" --name server --namespace default --labels app=server -o json | python3 -c 'import json,sys; print(json.load(sys.stdin)["ipv4"])')
mkdir -p "$TMP/www"; echo ok >"$TMP/www/index.html"
(cd "$TMP/www" && exec ip netns exec "$SERVER" python3 -m http.server 80 --bind "$SERVER_IP" >/dev/null 2>&1) &
HTTPD_PID=$!
cat >"$TMP/l7.yaml" <<'YAML'
apiVersion: cilium.io/v2
kind: CiliumNetworkPolicy
metadata: {name: conn-bounds}
spec:
  endpointSelector: {matchLabels: {app: server}}
  ingress:
  - fromEndpoints: [{matchLabels: {app: client}}]
    toPorts:
    - ports: [{port: "80", protocol: TCP}]
      rules: {http: [{method: GET, path: "/.*"}]}
YAML
CLI policy import "$TMP/l7.yaml" >/dev/null
for _ in $(seq 50); do ip netns exec "$CLIENT" curl -s -m 2 -o /dev/null "http://$SERVER_IP/" && break; sleep 0.2; done

rss() { awk '/VmRSS/ {print $2}' "/proc/$AGENT_PID/status"; }
mib() { echo "scale=1; $1 / 1024" | bc; }
# Peak RSS while a phase runs: a sampler writes the maximum seen to a file.
start_sampler() { (max=0; while :; do r=$(rss); [ "$r" -gt "$max" ] && max=$r && echo "$max" >"$TMP/peak"; sleep 0.2; done) & SAMPLER_PID=$!; }
stop_sampler() { kill "$SAMPLER_PID" 2>/dev/null || true; wait "$SAMPLER_PID" 2>/dev/null || true; SAMPLER_PID=; cat "$TMP/peak"; }

cat >"$TMP/idle.py" <<'PY'
import asyncio, sys
host, n, hold = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
async def one(sem, conns):
    async with sem:
        try:
            r, w = await asyncio.wait_for(asyncio.open_connection(host, 80), 10)
            w.write(f"GET / HTTP/1.1\r\nHost: {host}\r\n\r\n".encode()); await w.drain()
            head = await asyncio.wait_for(r.readuntil(b"\r\n\r\n"), 10)
            length = int([l.split(b":")[1] for l in head.split(b"\r\n") if l.lower().startswith(b"content-length:")][0])
            await r.readexactly(length)
            conns.append(w)
        except Exception:
            pass
async def main():
    conns, sem = [], asyncio.Semaphore(200)
    await asyncio.gather(*(one(sem, conns) for _ in range(n)))
    print(f"{len(conns)} of {n} connections answered and held open", flush=True)
    open(sys.argv[4], "w").write("ready")
    await asyncio.sleep(hold)
asyncio.run(main())
PY

echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "| phase | agent VmRSS (MiB) | note |"
echo "|---|---|---|"
echo "| at rest (policy in force, one request served) | $(mib "$(rss)") | |"

start_sampler
ip netns exec "$CLIENT" python3 "$TMP/idle.py" "$SERVER_IP" "$IDLE" 5 "$TMP/ready" >"$TMP/idle.out" 2>&1
peak=$(stop_sampler)
echo "| $IDLE idle keep-alive connections (peak) | $(mib "$peak") | $(cat "$TMP/idle.out") |"
sleep 3
echo "| 3 s after they closed | $(mib "$(rss)") | |"

start_sampler
ip netns exec "$CLIENT" slowhttptest -H -c "$SLOW" -r 500 -i 10 -l 45 -s 8192 -t GET -u "http://$SERVER_IP/" -p 5 -o "$TMP/slow" -g >"$TMP/slow.out" 2>&1 || true
peak=$(stop_sampler)
sed -i 's/\x1b\[[0-9;]*m//g' "$TMP/slow.out" # slowhttptest colours its status lines
ended=$(grep -E "^Test ended on" "$TMP/slow.out" | tail -1 | sed 's/Test ended on //' || true)
why=$(grep -E "^Exit status:" "$TMP/slow.out" | tail -1 | sed 's/Exit status: //' || true)
echo "| $SLOW slowloris connections, 45 s (peak) | $(mib "$peak") | slowhttptest ended on the ${ended:-?}: ${why:-?} |"
sleep 3
echo "| 3 s after slowloris | $(mib "$(rss)") | |"
kill -0 "$AGENT_PID" && echo "agent healthy (pid $AGENT_PID)"
