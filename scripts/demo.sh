#!/usr/bin/env bash
# make demo: the Death Star tutorial (Cilium's getting-started demo) on this host, asserted.
# Exits 0 only if every step showed what the tutorial says it should.
set -uo pipefail
source "$(dirname "$0")/lib-world.sh"

trap 'world_down; ui_hint' EXIT
trap 'exit 130' INT TERM


world_up || { say "could not build the tutorial's world"; exit 1; }

info "Step 1: no policy — both ships can land"
expect "the xwing lands" 0 "Ship landed" exec xwing -- "${landing[@]}"
expect "the tiefighter lands" 0 "Ship landed" exec tiefighter -- "${landing[@]}"

info "Step 2: L3/L4 policy — only the empire may land"
say "  \$ ciliuml7 policy import examples/deathstar/sw_l3_l4_policy.yaml"
cli policy import "$ROOT/examples/deathstar/sw_l3_l4_policy.yaml" | sed 's/^/  | /'
expect "the tiefighter lands" 0 "Ship landed" exec tiefighter -- "${landing[@]}"
expect "the xwing's SYN is dropped: connection timed out (curl exit 28)" 28 "" exec xwing -- "${landing_timeout[@]}"
expect "L3/L4 policy cannot stop the tiefighter from exploding the Death Star" 0 "Panic: deathstar exploded" exec tiefighter -- "${exhaust[@]}"

# How to watch the same world in the Hubble UI (printed last, after the teardown).
ui_hint() {
	echo
	info "See it in the Hubble UI (service map + live flows)"
	say "  make run                       # the same world, left running"
	say "  bin/ciliuml7 hubble ui         # in another terminal (--server unix://$STATE_DIR/hubble.sock if not the default)"
	say "  open http://127.0.0.1:12000    # (or start the agent with --hubble-ui-listen-address 127.0.0.1:12000)"
}

info "Step 3: L7 policy — the tiefighter may only request landing"
say "  \$ ciliuml7 policy import examples/deathstar/sw_l3_l4_l7_policy.yaml"
cli policy import "$ROOT/examples/deathstar/sw_l3_l4_l7_policy.yaml" | sed 's/^/  | /'
expect "the tiefighter still lands" 0 "Ship landed" exec tiefighter -- "${landing[@]}"
expect "the exhaust port is refused by the proxy: Access denied" 0 "Access denied" exec tiefighter -- "${exhaust[@]}"
expect "the xwing still times out" 28 "" exec xwing -- "${landing_timeout[@]}"

info "What Hubble shows: the drops at the deathstar ingress"
say "  \$ ciliuml7 observe --verdict DROPPED --last 20"
flows=$(cli observe --server "unix://$STATE_DIR/hubble.sock" --verdict DROPPED --last 20 2>&1)
printf '%s\n' "$flows" | sed 's/^/  | /'
check_flow "xwing's SYN dropped by policy at the deathstar ingress" "$flows" 'default/xwing:[0-9]+ .*(->|<>) default/deathstar-[a-z0-9-]+:80 .*Policy denied.*DROPPED'
check_flow "tiefighter's PUT /v1/exhaust-port dropped at L7" "$flows" 'default/tiefighter:[0-9]+ .*-> default/deathstar-[a-z0-9-]+:80 .*http-request DROPPED \(HTTP/1.1 PUT http://deathstar.default.svc.cluster.local/v1/exhaust-port\)'
say "  \$ ciliuml7 observe --http-status 403 --last 5"
cli observe --server "unix://$STATE_DIR/hubble.sock" --http-status 403 --last 5 2>&1 | sed 's/^/  | /'

demo_finish "The Death Star tutorial"
