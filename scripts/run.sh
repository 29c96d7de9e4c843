#!/usr/bin/env bash
# make run: the tutorial's world, left running. Ctrl-C tears it all down.
set -uo pipefail
source "$(dirname "$0")/lib-world.sh"
trap 'world_down' EXIT
trap 'exit 130' INT TERM

world_up || { say "could not build the tutorial's world"; exit 1; }
cat <<GUIDE

${c_bold}The Death Star is up.${c_off} In another terminal (as root), from $ROOT:

  bin/ciliuml7 status
  bin/ciliuml7 endpoint list
  bin/ciliuml7 exec tiefighter -- curl -s -XPOST deathstar.default.svc.cluster.local/v1/request-landing
  bin/ciliuml7 exec xwing -- curl -s --connect-timeout 3 -XPOST deathstar.default.svc.cluster.local/v1/request-landing
  bin/ciliuml7 policy import examples/deathstar/sw_l3_l4_policy.yaml
  bin/ciliuml7 policy import examples/deathstar/sw_l3_l4_l7_policy.yaml
  bin/ciliuml7 exec tiefighter -- curl -s -XPUT deathstar.default.svc.cluster.local/v1/exhaust-port
  bin/ciliuml7 observe --verdict DROPPED
  bin/ciliuml7 observe -f
  bin/ciliuml7 hubble ui --server unix://$STATE_DIR/hubble.sock   # then open http://127.0.0.1:12000

Policy files dropped into $POLICY_DIR are applied too. Agent logs follow; Ctrl-C tears everything down.

GUIDE
tail -n +1 -f "$AGENT_LOG" &
TAIL_PID=$!
wait "$AGENT_PID"
kill "$TAIL_PID" 2>/dev/null
