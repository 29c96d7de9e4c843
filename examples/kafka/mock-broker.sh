#!/usr/bin/env bash
# A Kafka broker in a pod, for the Kafka walkthrough and tests: librdkafka's mock
# cluster (bin/ciliuml7-kafka-mock, built by `make build` from mock-broker.c; a
# test broker that ships with librdkafka, not Apache Kafka), plus two socat relays
# that copy bytes unchanged, because the mock listens on 127.0.0.1:<random port>
# and advertises that address in its Metadata answers:
#
#   client pod                                         broker pod
#   client ─► POD_IP:PORT (bootstrap) ───────────────► socat POD_IP:PORT ─► mock 127.0.0.1:P
#   client ─► 127.0.0.1:P (advertised) ─► socat ─► POD_IP:PORT ─┘
#
# Every connection reaches the broker pod at POD_IP:PORT over the pods' network, so
# the datapath and the policy on PORT see and judge all of them.
#
# Usage: mock-broker.sh --broker POD_NETNS --client POD_NETNS [--client …] [--port 9092] TOPIC...
# POD_NETNS: a name under /var/run/netns (as `ciliuml7 endpoint create --netns`) or a path.
# Prints "bootstrap POD_IP:PORT" when ready; runs until SIGINT/SIGTERM, then stops
# everything it started (by PID).
set -euo pipefail

usage() { sed -n "2,/^set -e/p" "$0" | sed -e "s/^# \{0,1\}//" -e "/^set -e/d"; exit "${1:-2}"; }
die() { echo "mock-broker.sh: $*" >&2; exit 1; }
netns_path() { case $1 in */*) echo "$1" ;; *) echo "/var/run/netns/$1" ;; esac; }

broker="" port=9092 clients=() topics=()
mock="$(cd "$(dirname "$0")/../.." && pwd)/bin/ciliuml7-kafka-mock"
while [ $# -gt 0 ]; do
  case $1 in
    --broker) broker=$(netns_path "${2:?--broker needs a pod network namespace}"); shift 2 ;;
    --client) clients+=("$(netns_path "${2:?--client needs a pod network namespace}")"); shift 2 ;;
    --port) port=${2:?--port needs a number}; shift 2 ;;
    --mock) mock=${2:?--mock needs a path}; shift 2 ;;
    -h|--help) usage 0 ;;
    -*) die "unknown flag $1 (see --help)" ;;
    *) topics+=("$1"); shift ;;
  esac
done
[ -n "$broker" ] || die "--broker POD_NETNS is required (see --help)"
[ -e "$broker" ] || die "--broker: no network namespace at $broker (create the pod first: ciliuml7 endpoint create --netns …)"
for c in "${clients[@]}"; do [ -e "$c" ] || die "--client: no network namespace at $c"; done
case $port in ''|*[!0-9]*) die "--port $port: not a TCP port number" ;; esac
[ -x "$mock" ] || die "$mock is missing: run \`make build\` (needs clang and librdkafka-dev)"
command -v socat >/dev/null || die "socat is missing (apt-get install socat)"

ip=$(nsenter --net="$broker" ip -4 -o addr show scope global | awk '{split($4, a, "/"); print a[1]; exit}')
[ -n "$ip" ] || die "the pod at $broker has no IPv4 address"

pids=()
stop() {
  trap - EXIT INT TERM
  for p in "${pids[@]}"; do
    # socat forks one child per connection: stop those too (children of our PIDs only).
    for child in $(ps -o pid= --ppid "$p" 2>/dev/null); do kill "$child" 2>/dev/null || true; done
    kill "$p" 2>/dev/null || true
  done
  wait 2>/dev/null || true
  [ -z "${out:-}" ] || rm -f "$out"
}
trap stop EXIT
trap 'exit 0' INT TERM

out=$(mktemp)
nsenter --net="$broker" "$mock" "${topics[@]}" >"$out" &
pids+=($!)
for _ in $(seq 100); do
  [ -s "$out" ] && break
  kill -0 "${pids[0]}" 2>/dev/null || die "the mock broker exited"
  sleep 0.1
done
advertised=$(head -1 "$out")
mport=${advertised##*:}
case $mport in ''|*[!0-9]*) die "the mock broker printed no address (got \"$advertised\")" ;; esac

nsenter --net="$broker" socat "TCP-LISTEN:$port,bind=$ip,reuseaddr,fork" "TCP:127.0.0.1:$mport" &
pids+=($!)
for c in "${clients[@]}"; do
  nsenter --net="$c" socat "TCP-LISTEN:$mport,bind=127.0.0.1,reuseaddr,fork" "TCP:$ip:$port" &
  pids+=($!)
done

listening() { nsenter --net="$1" ss -ltnH "sport = :$2" | grep -q "$3:$2"; }
for _ in $(seq 100); do
  ready=1
  listening "$broker" "$port" "$ip" || ready=0
  for c in "${clients[@]}"; do listening "$c" "$mport" 127.0.0.1 || ready=0; done
  [ $ready = 1 ] && break
  sleep 0.1
done
[ $ready = 1 ] || die "the relays did not start listening"

echo "bootstrap $ip:$port (librdkafka mock cluster; advertises $advertised, relayed in each --client pod)"
wait -n "${pids[@]}" || true
die "a relay or the mock broker exited"
