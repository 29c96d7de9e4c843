#!/usr/bin/env bash
# Time from `endpoint create` returning on node1 to the pod's row in node2's ipcache BPF map
# (two nodes in kvstore mode, set up as README "A cluster on one machine"). Root, after make build.
# Resolution: one bpftool map dump per poll (a process start each). Prints one "sample MS" per pod.
set -u
N=${N:-15}
cd "$(dirname "$0")/.."
ip netns add cl7-u && ip -n cl7-u link set lo up
ip -n cl7-u link add br0 type bridge && ip -n cl7-u addr add 172.31.0.254/16 dev br0 && ip -n cl7-u link set br0 up
mkdir -p /var/run/ciliuml7/demo-etcd
nsenter --net=/var/run/netns/cl7-u etcd --name e --data-dir /var/run/ciliuml7/demo-etcd \
  --listen-client-urls http://172.31.0.254:2379 --advertise-client-urls http://172.31.0.254:2379 \
  --listen-peer-urls http://172.31.0.254:2380 --initial-advertise-peer-urls http://172.31.0.254:2380 \
  --initial-cluster e=http://172.31.0.254:2380 >/var/run/ciliuml7/demo-etcd.log 2>&1 &
etcd_pid=$!
pids=()
for n in 1 2; do
  ip netns add cl7-n$n && ip -n cl7-n$n link set lo up
  ip -n cl7-u link add u$n type veth peer name und0 netns cl7-n$n
  ip -n cl7-u link set u$n master br0 up
  ip -n cl7-n$n addr add 172.31.0.$n/16 dev und0 && ip -n cl7-n$n link set und0 up
  nsenter --net=/var/run/netns/cl7-n$n bin/ciliuml7-agent --node-name node$n --pod-cidr 10.244.$n.0/24 \
    --state-dir /var/run/ciliuml7/node$n --bpf-root /sys/fs/bpf/ciliuml7-node$n --policy-dir /var/run/ciliuml7/node$n/policies \
    --kvstore etcd --kvstore-opt etcd.address=http://172.31.0.254:2379 --cluster-name demo --ipv4-node 172.31.0.$n \
    >/var/run/ciliuml7/node$n.log 2>&1 &
  pids+=($!)
done
N1="nsenter --net=/var/run/netns/cl7-n1 bin/ciliuml7 -H unix:///var/run/ciliuml7/node1/agent.sock"
N2="nsenter --net=/var/run/netns/cl7-n2 bin/ciliuml7 -H unix:///var/run/ciliuml7/node2/agent.sock"
$N1 status --wait | head -1      # KVStore: Ok   etcd http://172.31.0.254:2379 (cluster demo, 2 nodes, …)
$N1 node list

set +x
for i in $(seq 1 $N); do
  $N1 endpoint create --netns perf$i --name perf$i --namespace default --labels app=perf$i -o json > /tmp/cl7-perf-ep.json
  t0=$(date +%s%N)
  ip=$(jq -r .ipv4 /tmp/cl7-perf-ep.json)
  pat=$(echo $ip | awk -F. '{printf "\"0x%02x\",\"0x%02x\",\"0x%02x\",\"0x%02x\"", $1,$2,$3,$4}')
  for k in $(seq 1 400); do
    if bpftool -j map dump pinned /sys/fs/bpf/ciliuml7-node2/cl7_ipcache 2>/dev/null | grep -qF "$pat"; then break; fi
  done
  t1=$(date +%s%N)
  echo "sample $(( (t1-t0)/1000000 ))"
done

# teardown (agents, etcd, namespaces, state)
kill "${pids[@]}" 2>/dev/null
sleep 2
for n in 1 2; do
  nsenter --net=/var/run/netns/cl7-n$n bin/ciliuml7-agent cleanup --state-dir /var/run/ciliuml7/node$n --bpf-root /sys/fs/bpf/ciliuml7-node$n --policy-dir /var/run/ciliuml7/node$n/policies --kvstore-opt etcd.address=http://172.31.0.254:2379
done
kill "$etcd_pid" 2>/dev/null
for ns in tiefighter xwing deathstar cl7-n1 cl7-n2 cl7-u; do ip netns del $ns 2>/dev/null; done
rm -rf /var/run/ciliuml7/demo-etcd /var/run/ciliuml7/demo-etcd.log /var/run/ciliuml7/node1 /var/run/ciliuml7/node2 /var/run/ciliuml7/node1.log /var/run/ciliuml7/node2.log
for i in $(seq 1 $N); do ip netns del perf$i 2>/dev/null; done
