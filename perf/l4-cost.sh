#!/usr/bin/env bash
# L3/L4 program cost (issue 3): wrk from pod l4a to pod l4b (the Death Star app) with the
# from-container/to-container programs attached and an L3/L4 policy enforced, vs the same
# pods with the programs detached (tc filter del); interleaved, 3 repetitions, 10 s each.
# Usage (root, after make build): bash perf/l4-cost.sh
set -u
SRV= AG=
cd "$(dirname "$0")/.."
S=${TMPDIR:-/tmp}/ciliuml7-l4cost; B=/sys/fs/bpf/ciliuml7-l4cost
cli() { bin/ciliuml7 -H unix://$S/agent.sock "$@"; }
start_agent() { bin/ciliuml7-agent --state-dir $S --bpf-root $B --policy-dir $S/pol --pod-cidr 10.244.7.0/24 --hubble-listen-address "" --hubble-metrics-server "" > $S.agent.log 2>&1 & AG=$!; timeout 60 bin/ciliuml7 -H unix://$S/agent.sock status --wait >/dev/null; }
cleanup() { kill $SRV 2>/dev/null; cli endpoint delete l4a >/dev/null 2>&1; cli endpoint delete l4b >/dev/null 2>&1; kill $AG 2>/dev/null; wait $AG 2>/dev/null; bin/ciliuml7-agent cleanup --state-dir $S --bpf-root $B --policy-dir $S/pol >/dev/null; ip netns del l4a 2>/dev/null; ip netns del l4b 2>/dev/null; }
trap cleanup EXIT
start_agent
cli endpoint create --netns l4a --name l4a --namespace default --labels app=client >/dev/null
cli endpoint create --netns l4b --name l4b --namespace default --labels app=server >/dev/null
cat > $S.pol.yaml <<'Y'
apiVersion: cilium.io/v2
kind: CiliumNetworkPolicy
metadata: {name: l4cost, namespace: default}
spec:
  endpointSelector: {matchLabels: {app: server}}
  ingress:
  - fromEndpoints: [{matchLabels: {app: client}}]
    toPorts: [{ports: [{port: "80", protocol: TCP}]}]
Y
cli policy import $S.pol.yaml >/dev/null
BIP=$(cli endpoint list -o json | jq -r '.[] | select(.name=="l4b") | .ipv4')
ip netns exec l4b taskset -c 1 bin/ciliuml7-deathstar --listen 0.0.0.0:80 --name l4b > /dev/null 2>&1 & SRV=$!
sleep 3
ip netns exec l4a curl -s -m 2 http://$BIP/v1/healthz >/dev/null || { echo "server not reachable"; exit 1; }
ip netns exec l4a taskset -c 0 wrk -t1 -c20 -d5s http://$BIP/v1/healthz >/dev/null  # warm-up
# Only this run's two pods' host-side veths.
devs=$(for i in $(cli endpoint list -o json | jq -r '.[] | select(.name=="l4a" or .name=="l4b") | .ifindex'); do ip -o link show | awk -F': ' -v i="$i" '$1==i {sub(/@.*/,"",$2); print $2}'; done)
echo "devices: $devs"
for rep in 1 2 3; do
  for mode in attached none; do
    if [ $mode = none ]; then for d in $devs; do tc filter del dev $d ingress 2>/dev/null; tc filter del dev $d egress 2>/dev/null; done; fi
    rps=$(ip netns exec l4a taskset -c 0 wrk -t1 -c20 -d10s http://$BIP/v1/healthz | awk '/Requests\/sec/ {print $2}')
    echo "rep=$rep mode=$mode rps=$rps"
    if [ $mode = none ]; then kill $AG; wait $AG 2>/dev/null; start_agent; sleep 5; fi  # let the restarted agent settle
  done
done
