#!/usr/bin/env bash
# perf/cluster-ipcache.sh [--write]: a 3-node cluster (`ciliuml7 cluster up`, etcd on the underlay),
#  1. N pods created one by one on node1: time from `endpoint create` returning to the pod's row in
#     node3's ipcache BPF map (polled with one `bpftool map lookup` of its /32 per try, a process start
#     of ≈ 20 ms each: an upper bound with that granularity);
#  2. identity allocation: IDS pods with labels nobody has (each allocates a new identity in etcd)
#     against IDS pods with one shared label set (no allocation), per second;
#  3. PRELOAD (default 10,000) identities and ipcache entries of simulated nodes written into etcd in
#     the kvstore layout the agents use (through etcd's v3 JSON gateway, curl --parallel): the time
#     until node3's map mirrors them all, then step 1 again with them present;
#  4. relay throughput: on each of the 3 nodes a client pod sends HTTP requests (wrk, SECS seconds)
#     to a server pod through an L7 policy (each request is two L7 flows); flows received through
#     Hubble Relay (`observe --server RELAY --follow`) against flows the nodes produced.
# Root, after `make build`. --write replaces the block between the cluster-ipcache markers in
# perf/RESULTS.md. The cluster is removed at the end, even on failure.
set -uo pipefail
cd "$(dirname "$0")/.."
N=${N:-50}
IDS=${IDS:-50}
PRELOAD=${PRELOAD:-10000}
SECS=${SECS:-10}
APPS=()
WRITE=0; [ "${1:-}" = "--write" ] && WRITE=1
NAME=cl7perf$$
RELAY=127.0.0.1:$((20000 + RANDOM % 20000))
export CILIUML7_CLUSTER=$NAME
cli() { bin/ciliuml7 "$@"; }
teardown() { local p; for p in "${APPS[@]}"; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done; cli cluster down --name "$NAME" >/dev/null; }
trap teardown EXIT
trap 'exit 130' INT TERM

cli cluster up --nodes 3 --name "$NAME" --relay-address "$RELAY" >/dev/null || { echo "cluster up failed"; exit 1; }
map=/sys/fs/bpf/ciliuml7-$NAME-node3/cl7_ipcache
FAMILY=$(awk '/define CL7_FAMILY_IPV4/ {print $3}' bpf/include/abi.h)
ms() { echo $(( ($(date +%s%N) - $1) / 1000000 )); }

# :: 1. create on node1 → row in node3's map (TAG names the pods of a round)
latency() { # latency TAG → "min p50 p99 max"
	local samples=() i ip t0 pat
	for i in $(seq 1 "$N"); do
		json=$(cli endpoint create --node node1 --netns "$NAME-$1$i" --name "$1$i" --labels app=perf-latency -o json)
		t0=$(date +%s%N)
		ip=$(jq -r .ipv4 <<<"$json"); id=$(jq -r .identity <<<"$json")
		# One LPM lookup of the pod's /32 (prefixlen 32+32, IPv4): its row is there once the
		# longest match carries the pod's identity (not the remote node's /24 or nothing).
		key=$(awk -F. -v f="$FAMILY" '{printf "40 00 00 00 %02x 00 00 00 %02x %02x %02x %02x 00 00 00 00 00 00 00 00 00 00 00 00", f, $1,$2,$3,$4}' <<<"$ip")
		want=$(printf '"0x%02x","0x%02x","0x%02x","0x%02x"' $((id & 255)) $(((id >> 8) & 255)) $(((id >> 16) & 255)) $(((id >> 24) & 255)))
		for _ in $(seq 1 2000); do
			bpftool -j map lookup pinned "$map" key hex $key 2>/dev/null | tr -d ' \n' | grep -qF "\"value\":[$want" && break
		done
		samples+=("$(ms "$t0")")
	done
	local sorted=($(printf '%s\n' "${samples[@]}" | sort -n))
	pct() { local i=$(( ($1 * ${#sorted[@]} + 99) / 100 - 1 )); [ "$i" -lt 0 ] && i=0; echo "${sorted[$i]}"; }
	echo "${sorted[0]} $(pct 50) $(pct 99) ${sorted[-1]}"
}
read -r min p50 p99 max < <(latency lat)

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
# :: 3. PRELOAD simulated identities and ipcache entries, then step 1 again
status=$(cli cluster status --name "$NAME" -o json)
etcd=$(jq -r .etcd.address <<<"$status"); underlay=$(jq -r .etcd.netns <<<"$status")
python3 - "$PRELOAD" "$NAME" "$etcd" >"/tmp/$NAME.curl" <<'PY'
import base64, json, sys
n, cluster, etcd = int(sys.argv[1]), sys.argv[2], sys.argv[3]
b = lambda s: base64.b64encode(s.encode()).decode()
for i in range(n):
    ident = 200000 + i
    ip = f"10.250.{i // 250}.{i % 250 + 1}"
    node = f"sim-node-{i % 100}"
    puts = [
        (f"cilium/state/identities/v1/id/{ident}", f"k8s:app=sim-{i};k8s:io.kubernetes.pod.namespace=sim;"),
        (f"cilium/state/ip/v1/{cluster}/{ip}", json.dumps({"IP": ip, "HostIP": f"172.31.1.{i % 100 + 1}", "ID": ident, "Key": 0, "K8sNamespace": "sim", "K8sPodName": f"sim-{i}", "NodeName": node})),
    ]
    for k, v in puts:
        print(f'url = "{etcd}/v3/kv/put"')
        print(f'data = "{json.dumps({"key": b(k), "value": b(v)}).replace(chr(34), chr(92) + chr(34))}"')
        print("output = /dev/null")
        if i < n - 1 or k != puts[-1][0]:
            print("next")
PY
remote() { cli --node node3 status -o json | jq -r '.kvStore.remoteIps // .KvStore.RemoteIps // 0'; }
before=$(remote)
t0=$(date +%s%N)
nsenter --net="/var/run/netns/$underlay" curl -sS --no-progress-meter --parallel --parallel-max 32 -K "/tmp/$NAME.curl" || echo "preload: curl failed"
write_ms=$(ms "$t0")
rm -f "/tmp/$NAME.curl"
# node3's agent counts a remote pod IP as it learns it (its map write follows in the same batch).
for _ in $(seq 1 1200); do
	[ "$(remote)" -ge $((before + PRELOAD)) ] && break
	sleep 0.05
done
mirrored=$(( $(remote) - before ))
mirror_ms=$(ms "$t0")
read -r min2 p50_2 p99_2 max2 < <(latency big)
# :: 4. relay throughput: three nodes producing L7 flows at once
cat >"/tmp/$NAME-l7.yaml" <<'YAML'
apiVersion: cilium.io/v2
kind: CiliumNetworkPolicy
metadata:
  name: relay-perf
  namespace: default
spec:
  endpointSelector:
    matchLabels:
      app: relay-srv
  ingress:
  - fromEndpoints:
    - matchLabels:
        app: relay-cli
    toPorts:
    - ports:
      - port: "80"
        protocol: TCP
      rules:
        http:
        - method: GET
          path: /v1/healthz
YAML
targets=()
for n in 1 2 3; do
	cli --node "node$n" policy import "/tmp/$NAME-l7.yaml" >/dev/null
	sip=$(cli endpoint create --node "node$n" --netns "$NAME-srv$n" --name "srv$n" --labels app=relay-srv -o json | jq -r .ipv4)
	cli endpoint create --node "node$n" --netns "$NAME-cli$n" --name "cli$n" --labels app=relay-cli -o json >/dev/null
	nsenter --net="/var/run/netns/$NAME-srv$n" bin/ciliuml7-deathstar --listen 0.0.0.0:80 --name "srv$n" >/dev/null 2>&1 &
	APPS+=($!)
	targets+=("$n $sip")
done
rm -f "/tmp/$NAME-l7.yaml"
for t in "${targets[@]}"; do set -- $t
	for _ in $(seq 1 50); do nsenter --net="/var/run/netns/$NAME-cli$1" curl -s -m 1 -o /dev/null "http://$2/v1/healthz" && break; sleep 0.2; done
done
timeout $((SECS + 4)) bin/ciliuml7 observe --server "$RELAY" --follow --type l7 -o json >"/tmp/$NAME-relay.json" 2>/dev/null &
OBS=$!
sleep 2
wrks=()
for t in "${targets[@]}"; do set -- $t
	nsenter --net="/var/run/netns/$NAME-cli$1" wrk -t1 -c4 -d"${SECS}s" "http://$2/v1/healthz" >"/tmp/$NAME-wrk$1.out" 2>&1 &
	wrks+=($!)
done
for w in "${wrks[@]}"; do wait "$w"; done
wait "$OBS" 2>/dev/null
requests=0
for n in 1 2 3; do
	r=$(awk '/requests in/ {print $1}' "/tmp/$NAME-wrk$n.out"); requests=$((requests + ${r:-0})); rm -f "/tmp/$NAME-wrk$n.out"
done
relayed=$(wc -l <"/tmp/$NAME-relay.json"); nodes_seen=$(jq -r '.node_name // empty' "/tmp/$NAME-relay.json" 2>/dev/null | sort -u | tr '\n' ' ')
rm -f "/tmp/$NAME-relay.json"
produced=$((requests * 2))
relay_rate=$(awk -v f="$relayed" -v s="$SECS" 'BEGIN { printf "%.0f", f / s }')
produced_rate=$(awk -v f="$produced" -v s="$SECS" 'BEGIN { printf "%.0f", f / s }')
load=$(cut -d' ' -f1-3 /proc/loadavg)

block=$(cat <<MD
<!-- cluster-ipcache:begin -->
\`bash perf/cluster-ipcache.sh --write\` ($(date -u '+%Y-%m-%d %H:%M UTC'), load average $load; N=$N, IDS=$IDS):

| pod created on node1 → row in node3's ipcache map | min | p50 | p99 | max |
|---|---|---|---|---|
| $N samples | $min ms | $p50 ms | $p99 ms | $max ms |
| $N samples with $PRELOAD more identities and ipcache entries in etcd | $min2 ms | $p50_2 ms | $p99_2 ms | $max2 ms |

$PRELOAD simulated entries (100 simulated nodes) written to etcd in $write_ms ms; node3's agent had learned $mirrored of them
$mirror_ms ms after the writes began. Goal: p99 ≤ 100 ms.

| endpoint create on node2 | per second |
|---|---|
| new labels each time (allocates an identity in etcd) | $new_rate |
| one shared label set (no allocation) | $same_rate |
| identity allocation's share of a create | ≈ $per_id ms |

| Hubble Relay, 3 nodes producing L7 flows for $SECS s | flows | per second |
|---|---|---|
| produced by the nodes (2 per HTTP request, $requests requests) | $produced | $produced_rate |
| received through the relay (\`observe --server --follow\`; nodes: $nodes_seen) | $relayed | $relay_rate |
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
