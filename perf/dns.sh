#!/usr/bin/env bash
# DNS proxy vs direct: dnsperf from a pod netns to a dnsmasq in a world netns
# (198.51.100.53), once with no policy (straight to dnsmasq through the datapath)
# and once with a DNS rule (eBPF steers port 53 into the agent's DNS proxy).
# Reports queries/s, latency and the agent's CPU seconds. Root; cleans up on exit.
#   usage: perf/dns.sh [seconds per run, default 10]
set -euo pipefail
cd "$(dirname "$0")/.."
SECS=${1:-10}
S=$RANDOM
NODE=l7pn-$S; POD=l7pp-$S; WORLD=l7pw-$S
TMP=$(mktemp -d); STATE=$TMP/state; BPF=/sys/fs/bpf/ciliuml7-perf-$S
AGENT_PID=; DNSMASQ_PID=
cleanup() {
	[ -n "$DNSMASQ_PID" ] && kill "$DNSMASQ_PID" 2>/dev/null || true
	if [ -n "$AGENT_PID" ]; then kill "$AGENT_PID" 2>/dev/null || true; wait "$AGENT_PID" 2>/dev/null || true; fi
	nsenter --net=/var/run/netns/$NODE bin/ciliuml7-agent cleanup --state-dir "$STATE" --bpf-root "$BPF" --policy-dir "$TMP/p" >/dev/null 2>&1 || true
	ip netns del "$WORLD" 2>/dev/null || true; ip netns del "$POD" 2>/dev/null || true; ip netns del "$NODE" 2>/dev/null || true
	rm -rf "$TMP" "$BPF"
}
trap cleanup EXIT
cpu() { awk '{print ($14+$15)/100}' /proc/"$1"/stat; }
mkdir -p "$TMP/p"
ip netns add "$NODE"; ip -n "$NODE" link set lo up; ip -n "$NODE" route add blackhole 10.244.77.0/24
nsenter --net=/var/run/netns/$NODE bin/ciliuml7-agent --state-dir "$STATE" --bpf-root "$BPF" --policy-dir "$TMP/p" \
	--pod-cidr 10.244.77.0/24 --node-name perf-$S --hubble-listen-address "" --hubble-metrics-server "" >"$TMP/agent.log" 2>&1 &
AGENT_PID=$!
for _ in $(seq 100); do [ -S "$STATE/agent.sock" ] && break; sleep 0.2; done
CLI() { nsenter --net=/var/run/netns/$NODE bin/ciliuml7 -H unix://$STATE/agent.sock "$@"; }
CLI endpoint create --netns "$POD" --name client --namespace default --labels app=client >/dev/null
ip netns add "$WORLD"
ip -n "$NODE" link add d$S type veth peer name eth0 netns "$WORLD"
ip -n "$NODE" addr add 198.51.100.1/24 dev d$S; ip -n "$NODE" link set d$S up
ip -n "$WORLD" link set lo up; ip -n "$WORLD" addr add 198.51.100.53/24 dev eth0; ip -n "$WORLD" link set eth0 up
ip -n "$WORLD" route add 10.244.0.0/16 via 198.51.100.1
taskset -c 1 ip netns exec "$WORLD" /usr/sbin/dnsmasq --keep-in-foreground --conf-file=/dev/null --pid-file= --user=root --port=53 \
	--listen-address=198.51.100.53 --bind-interfaces --no-resolv --no-hosts --address=/empire.test/198.51.100.10 >/dev/null 2>&1 &
DNSMASQ_PID=$!
taskset -pc 0 "$AGENT_PID" >/dev/null; for t in /proc/$AGENT_PID/task/*; do taskset -pc 0 "${t##*/}" >/dev/null 2>&1 || true; done
printf 'www.empire.test A\napi.empire.test A\nx.empire.test AAAA\n' >"$TMP/q"
sleep 1
run() { taskset -c 1 ip netns exec "$POD" dnsperf -s 198.51.100.53 -d "$TMP/q" -l "$SECS" -c 4 -Q 40000 -S 0 2>&1 | grep -E "Queries (sent|completed|lost)|Queries per second|Average Latency|Latency StdDev"; }
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg) (shared machine)"
echo "== direct (no policy: datapath only)"; c0=$(cpu $AGENT_PID); run; c1=$(cpu $AGENT_PID)
echo "agent CPU seconds: $(echo "$c1 - $c0" | bc)"
cat >"$TMP/dns.yaml" <<'YAML'
apiVersion: cilium.io/v2
kind: CiliumNetworkPolicy
metadata: {name: dns-perf}
spec:
  endpointSelector: {matchLabels: {app: client}}
  egress:
  - toCIDR: [198.51.100.53/32]
    toPorts:
    - ports: [{port: "53", protocol: ANY}]
      rules: {dns: [{matchPattern: "*.empire.test"}]}
YAML
CLI policy import "$TMP/dns.yaml" >/dev/null; sleep 2
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "== through the DNS proxy"; c0=$(cpu $AGENT_PID); run; c1=$(cpu $AGENT_PID)
echo "agent CPU seconds: $(echo "$c1 - $c0" | bc)"
