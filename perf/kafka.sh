#!/usr/bin/env bash
# Kafka proxy vs direct, in one run, against the same broker: librdkafka's mock cluster
# (bin/ciliuml7-kafka-mock via examples/kafka/mock-broker.sh) in a broker pod, and
# perf/KafkaLoad (Confluent.Kafka) in a client pod of a CiliumL7 node. Run 1: no policy
# (datapath only, straight to the broker pod). Run 2: a rules.kafka policy (eBPF steers
# port 9092 into the agent's Kafka proxy). Agent pinned to CPU 0 from its start (one GC heap,
# thread pool sized for one CPU); the broker side (mock broker, its relay) on CPU 0 too.
# Throughput (produce then fetch --messages): the client side (KafkaLoad, the relay in the
# client pod) on CPU 1. Latency: --reps runs of --latency-samples produces, one request in
# flight, after --latency-warmup unmeasured produces on the same connection (both paths
# alike); medians of the runs' p50/p99. Their placement (--placement):
#   same  (default) the client side moves to CPU 0 as well: no request crosses a vCPU in either
#         run, so the difference is the proxy's own work and its thread hand-offs.
#   split the client side stays on CPU 1: one crossing each way in both runs. In this VM a
#         wake-up on the other vCPU costs ~50 µs at p50 and, when that vCPU sleeps, up to
#         milliseconds, with or without the proxy: the tail is mostly that.
# Reports produce and fetch messages/s, per-produce latency, the added p50/p99, the agent's CPU
# seconds and Kafka requests per proxy CPU-second
# (cilium_policy_l7_total{rule="received",proxy_type="kafka"}). Root; cleans up on exit.
#   usage: perf/kafka.sh [--messages N] [--size BYTES] [--latency-samples N] [--latency-warmup N]
#                        [--reps N] [--placement same|split] [--write]
#   (defaults 20000 messages of 100 bytes, 5000 samples after 1000 warm-up, 3 runs, same)
#   --write replaces the generated block of "Kafka proxy vs direct" in perf/RESULTS.md.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=lib/stats.sh
source perf/lib/stats.sh
# the mock broker stops serving fetches after ~45,000 messages in a topic (even direct): each
# topic gets MESSAGES + REPS × (SAMPLES + WARMUP + 10)
MESSAGES=20000 SIZE=100 SAMPLES=5000 WARMUP=1000 REPS=3 PLACEMENT=same WRITE=0
while [ $# -gt 0 ]; do
	case $1 in
		--messages) MESSAGES=$2; shift 2 ;;
		--size) SIZE=$2; shift 2 ;;
		--latency-samples) SAMPLES=$2; shift 2 ;;
		--latency-warmup) WARMUP=$2; shift 2 ;;
		--reps) REPS=$2; shift 2 ;;
		--placement) PLACEMENT=$2; shift 2 ;;
		--write) WRITE=1; shift ;;
		*) sed -n '2,24p' "$0"; exit 2 ;;
	esac
done
case $PLACEMENT in same) LAT_CPU=0 ;; split) LAT_CPU=1 ;; *) echo "perf/kafka.sh: --placement must be same or split, not '$PLACEMENT'" >&2; exit 2 ;; esac
[[ "$REPS" =~ ^[1-9]$ ]] || { echo "perf/kafka.sh: --reps must be 1..9, not '$REPS'" >&2; exit 2; }
[ $((MESSAGES + REPS * (SAMPLES + WARMUP + 10))) -le 45000 ] || { echo "perf/kafka.sh: --messages + --reps × (--latency-samples + --latency-warmup + 10) must stay ≤ 45000 (the mock broker stops serving fetches beyond)" >&2; exit 2; }
[ "$(id -u)" = 0 ] || { echo "perf/kafka.sh: run as root (network namespaces, eBPF)" >&2; exit 1; }
[ -x bin/ciliuml7-agent ] && [ -x bin/ciliuml7-kafka-mock ] || { echo "perf/kafka.sh: run make build first" >&2; exit 1; }
S=$RANDOM
NODE=l7kn-$S; BROKER=l7kb-$S; CLIENT=l7kc-$S
TMP=$(mktemp -d); STATE=$TMP/state; BPF=/sys/fs/bpf/ciliuml7-perf-$S
AGENT_PID=; MOCK_PID=; ADDED_BLACKHOLE=0
cleanup() {
	[ -n "$MOCK_PID" ] && kill "$MOCK_PID" 2>/dev/null && wait "$MOCK_PID" 2>/dev/null || true
	if [ -n "$AGENT_PID" ]; then kill "$AGENT_PID" 2>/dev/null || true; wait "$AGENT_PID" 2>/dev/null || true; fi
	nsenter --net=/var/run/netns/$NODE bin/ciliuml7-agent cleanup --state-dir "$STATE" --bpf-root "$BPF" --policy-dir "$TMP/p" >/dev/null 2>&1 || true
	ip netns del "$BROKER" 2>/dev/null || true; ip netns del "$CLIENT" 2>/dev/null || true; ip netns del "$NODE" 2>/dev/null || true
	[ $ADDED_BLACKHOLE = 1 ] && ip route del blackhole 10.244.0.0/16 2>/dev/null || true
	rm -rf "$TMP" "$BPF"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
cpu() { awk '{print ($14+$15)/100}' /proc/"$1"/stat; }

echo "building perf/KafkaLoad"
dotnet build perf/KafkaLoad -c Release --nologo -v quiet -clp:ErrorsOnly -o "$TMP/load" >/dev/null
mkdir -p "$TMP/p"
ip netns add "$NODE"; ip -n "$NODE" link set lo up; ip -n "$NODE" route add blackhole 10.244.78.0/24
if ! ip route show 10.244.0.0/16 | grep -q blackhole; then ip route add blackhole 10.244.0.0/16 && ADDED_BLACKHOLE=1; fi
taskset -c 0 nsenter --net=/var/run/netns/$NODE bin/ciliuml7-agent --state-dir "$STATE" --bpf-root "$BPF" --policy-dir "$TMP/p" \
	--pod-cidr 10.244.78.0/24 --node-name perf-$S --hubble-listen-address "" --hubble-metrics-server 127.0.0.1:9962 >"$TMP/agent.log" 2>&1 &
AGENT_PID=$!
for _ in $(seq 150); do [ -S "$STATE/agent.sock" ] && break; sleep 0.2; done
CLI() { nsenter --net=/var/run/netns/$NODE bin/ciliuml7 -H unix://$STATE/agent.sock "$@"; }
CLI status --wait >/dev/null
CLI endpoint create --netns "$BROKER" --name kafka --namespace default --labels app=kafka-perf >/dev/null
CLI endpoint create --netns "$CLIENT" --name client --namespace default --labels app=kafka-perf-client >/dev/null
taskset -c 0 examples/kafka/mock-broker.sh --broker "$BROKER" --client "$CLIENT" perf-direct perf-proxy >"$TMP/mock.out" 2>"$TMP/mock.err" &
MOCK_PID=$!
for _ in $(seq 100); do grep -q '^bootstrap ' "$TMP/mock.out" 2>/dev/null && break; sleep 0.1; done
# the relay for the advertised address runs in the client pod: client side, CPU 1
for p in $(ip netns pids "$CLIENT"); do taskset -a -p -c 1 "$p" >/dev/null; done
BOOT=$(awk '/^bootstrap /{print $2}' "$TMP/mock.out")
[ -n "$BOOT" ] || { echo "mock broker did not start:"; cat "$TMP/mock.err"; exit 1; }
received() { nsenter --net=/var/run/netns/$NODE curl -s 127.0.0.1:9962/metrics | awk '/^cilium_policy_l7_total\{/ && /rule="received"/ && /proxy_type="kafka"/ {print $2}' | head -1; }
kafka_load() { # CPU TOPIC MESSAGES SAMPLES WARMUP
	LD_LIBRARY_PATH="$TMP/load/runtimes/linux-x64/native" taskset -c "$1" ip netns exec "$CLIENT" "$TMP/load/CiliumL7.Perf.KafkaLoad" "$BOOT" "$2" "$3" "$SIZE" "$4" "$5"
}
field() { sed -n "s/.*$1=\([^ ]*\).*/\1/p" <<<"$2"; }
client_cpu() { for p in $(ip netns pids "$CLIENT"); do taskset -a -p -c "$1" "$p" >/dev/null; done; }
# load TOPIC: throughput (client side on CPU 1), then REPS latency runs (client side on LAT_CPU);
# prints KafkaLoad's throughput fields, the medians as produce_p50_ms/produce_p99_ms, and each run's p50/p99
load() {
	local out p50s=() p99s=() each=() i
	out=$(kafka_load 1 "$1" "$MESSAGES" 10 10)
	client_cpu "$LAT_CPU"
	for ((i = 1; i <= REPS; i++)); do
		local r; r=$(kafka_load "$LAT_CPU" "$1" 10 "$SAMPLES" "$WARMUP")
		p50s+=("$(field produce_p50_ms "$r")"); p99s+=("$(field produce_p99_ms "$r")"); each+=("$(field produce_p50_ms "$r")/$(field produce_p99_ms "$r")")
	done
	client_cpu 1
	echo "produce_msgs_per_s=$(field produce_msgs_per_s "$out") fetch_msgs_per_s=$(field fetch_msgs_per_s "$out") produce_p50_ms=$(perf_median "${p50s[@]}") produce_p99_ms=$(perf_median "${p99s[@]}") runs=$(IFS=,; echo "${each[*]}")"
}

LOAD0=$(cut -d' ' -f1-3 /proc/loadavg)
echo "== direct (no policy: datapath only) — load average $LOAD0"
c0=$(cpu $AGENT_PID); DIRECT=$(load perf-direct); c1=$(cpu $AGENT_PID)
DIRECT_CPU=$(echo "$c1 - $c0" | bc); echo "$DIRECT agent_cpu_s=$DIRECT_CPU"

cat >"$TMP/kafka.yaml" <<'YAML'
apiVersion: cilium.io/v2
kind: CiliumNetworkPolicy
metadata: {name: kafka-perf}
spec:
  endpointSelector: {matchLabels: {app: kafka-perf}}
  ingress:
  - fromEndpoints: [{matchLabels: {app: kafka-perf-client}}]
    toPorts:
    - ports: [{port: "9092", protocol: TCP}]
      rules:
        kafka:
        - {role: produce, topic: perf-proxy}
        - {role: consume, topic: perf-proxy}
YAML
CLI policy import "$TMP/kafka.yaml" >/dev/null
echo "== through the Kafka proxy — load average $(cut -d' ' -f1-3 /proc/loadavg)"
r0=$(received); c0=$(cpu $AGENT_PID); PROXY=$(load perf-proxy); c1=$(cpu $AGENT_PID); r1=$(received)
PROXY_CPU=$(echo "$c1 - $c0" | bc); REQS=$(echo "${r1:-0} - ${r0:-0}" | bc)
echo "$PROXY agent_cpu_s=$PROXY_CPU kafka_requests=$REQS"
LOAD1=$(cut -d' ' -f1-3 /proc/loadavg)
[ "$REQS" -gt 0 ] || { echo "no Kafka request reached the proxy: the policy did not redirect"; tail -20 "$TMP/agent.log"; exit 1; }

ratio() { echo "scale=3; $1 / $2" | bc; }
REQS_PER_CPU=$(if [ "$(echo "$PROXY_CPU > 0" | bc)" = 1 ]; then echo "scale=0; $REQS / $PROXY_CPU" | bc; else echo n/a; fi)
ADDED_P99=$(echo "scale=3; $(field produce_p99_ms "$PROXY") - $(field produce_p99_ms "$DIRECT")" | bc)
ADDED_P50=$(echo "scale=3; $(field produce_p50_ms "$PROXY") - $(field produce_p50_ms "$DIRECT")" | bc)
TABLE=$(cat <<TBL
| path | produce msg/s | fetch msg/s | produce p50 | produce p99 | each latency run p50/p99 (ms) | agent CPU s |
|---|---|---|---|---|---|---|
| direct (datapath only) | $(field produce_msgs_per_s "$DIRECT") | $(field fetch_msgs_per_s "$DIRECT") | $(field produce_p50_ms "$DIRECT") ms | $(field produce_p99_ms "$DIRECT") ms | $(field runs "$DIRECT" | tr , ' ') | $DIRECT_CPU |
| Kafka proxy | $(field produce_msgs_per_s "$PROXY") | $(field fetch_msgs_per_s "$PROXY") | $(field produce_p50_ms "$PROXY") ms | $(field produce_p99_ms "$PROXY") ms | $(field runs "$PROXY" | tr , ' ') | $PROXY_CPU |

Proxy vs direct: produce $(ratio "$(field produce_msgs_per_s "$PROXY")" "$(field produce_msgs_per_s "$DIRECT")")×, fetch $(ratio "$(field fetch_msgs_per_s "$PROXY")" "$(field fetch_msgs_per_s "$DIRECT")")×;
added latency per produce: p50 +$ADDED_P50 ms, p99 +$ADDED_P99 ms (goal ≤ 0.2 ms); $REQS Kafka requests
through the proxy, $REQS_PER_CPU per proxy CPU-second (the agent's CPU seconds during the proxied run).
$MESSAGES messages of $SIZE bytes (client side on CPU 1); latency: medians of $REPS runs of $SAMPLES produces after $WARMUP
unmeasured, placement \`$PLACEMENT\` (same: client, agent and broker all on CPU 0; split: client on CPU 1); git $(git rev-parse --short HEAD), $(date -u '+%Y-%m-%d %H:%M UTC'),
load average $LOAD0 before, $LOAD1 after.
TBL
)
echo; echo "$TABLE"
echo "summary: kafka_produce_vs_direct=$(ratio "$(field produce_msgs_per_s "$PROXY")" "$(field produce_msgs_per_s "$DIRECT")") kafka_fetch_vs_direct=$(ratio "$(field fetch_msgs_per_s "$PROXY")" "$(field fetch_msgs_per_s "$DIRECT")") kafka_added_p99_ms=$ADDED_P99 kafka_requests_per_cpu_s=$REQS_PER_CPU"
if [ $WRITE = 1 ]; then
	python3 - "$TABLE" <<'PY'
import sys, re
table = sys.argv[1]
path = "perf/RESULTS.md"
text = open(path, encoding="utf-8").read()
begin, end = "<!-- kafka.sh:begin -->", "<!-- kafka.sh:end -->"
block = begin + "\n" + table + "\n" + end
if begin in text:
    text = re.sub(re.escape(begin) + ".*?" + re.escape(end), lambda m: block, text, flags=re.S)
else:
    text = text.rstrip("\n") + "\n\n## Kafka proxy vs direct (issue 13; generated by perf/kafka.sh --write)\n\n" + block + "\n"
open(path, "w", encoding="utf-8").write(text)
print("perf/RESULTS.md updated")
PY
fi
