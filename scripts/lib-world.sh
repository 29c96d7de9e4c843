# Shared by scripts/demo.sh and scripts/run.sh: builds and tears down the
# Death Star tutorial's world on this host — the agent (standalone, this host is
# the node), the pods as network namespaces created through the CNI plugin, the
# deathstar app in its pods, and the deathstar service.
# Everything created is recorded and removed by world_down, by PID and by name
# of what we created, even when a step fails.

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
source "$ROOT/scripts/lib-demo.sh"
BIN=$ROOT/bin
STATE_DIR=${CILIUML7_STATE_DIR:-/var/run/ciliuml7}
BPF_ROOT=${CILIUML7_BPF_ROOT:-/sys/fs/bpf/ciliuml7}
POLICY_DIR=${CILIUML7_POLICY_DIR:-$STATE_DIR/demo-policies}
POD_CIDR=${CILIUML7_POD_CIDR:-10.244.0.0/24}
AGENT_LOG=${CILIUML7_AGENT_LOG:-$STATE_DIR/agent.log}
SOCK=$STATE_DIR/agent.sock

AGENT_PID=
APP_PIDS=()
CREATED_PODS=()

cli() { "$BIN/ciliuml7" -H "unix://$SOCK" "$@"; }

world_up() {
	if [ "$(id -u)" != 0 ]; then
		say "This needs root (eBPF programs, network namespaces)."; return 1
	fi
	if [ -S "$SOCK" ] && cli status >/dev/null 2>&1; then
		say "An agent already answers on $SOCK; stop it first (or set CILIUML7_STATE_DIR)."; return 1
	fi
	mkdir -p "$STATE_DIR" "$POLICY_DIR"
	info "Starting the agent (standalone; this host is the node)"
	say "${c_dim}\$ ciliuml7-agent --state-dir $STATE_DIR --bpf-root $BPF_ROOT --policy-dir $POLICY_DIR --pod-cidr $POD_CIDR${c_off}"
	"$BIN/ciliuml7-agent" --state-dir "$STATE_DIR" --bpf-root "$BPF_ROOT" \
		--policy-dir "$POLICY_DIR" --pod-cidr "$POD_CIDR" >"$AGENT_LOG" 2>&1 &
	AGENT_PID=$!
	say "${c_dim}\$ ciliuml7 status --wait${c_off}"
	if ! timeout 60 "$BIN/ciliuml7" -H "unix://$SOCK" status --wait >/dev/null; then
		say "the agent did not become ready; its log ($AGENT_LOG):"; tail -n 30 "$AGENT_LOG"; return 1
	fi
	cli status | sed 's/^/    /'

	info "Deploying the Death Star app: pods through the CNI plugin"
	local pod
	for pod in "${PODS[@]}"; do
		say "${c_dim}\$ ciliuml7 endpoint create --netns $pod --name $pod --namespace default --labels ${POD_LABELS[$pod]}${c_off}"
		cli endpoint create --netns "$pod" --name "$pod" --namespace default --labels "${POD_LABELS[$pod]}" >/dev/null || return 1
		CREATED_PODS+=("$pod")
	done
	for pod in "${DEATHSTAR_PODS[@]}"; do
		"$BIN/ciliuml7" -H "unix://$SOCK" exec "$pod" -- "$BIN/ciliuml7-deathstar" --listen 0.0.0.0:80 --name "$pod" \
			>>"$STATE_DIR/$pod.log" 2>&1 &
		APP_PIDS+=($!)
	done
	info "Exposing the deathstar service (eBPF socket load balancing across both replicas)"
	say "${c_dim}\$ ciliuml7 service create deathstar --namespace default --port 80 --selector org=empire,class=deathstar${c_off}"
	cli service create deathstar --namespace default --port 80 --selector org=empire,class=deathstar >/dev/null || return 1
	# Wait (bounded) until both replicas answer through the service.
	local i
	for i in $(seq 1 50); do
		if cli exec tiefighter -- curl -s -m 1 -o /dev/null deathstar.default.svc.cluster.local/v1/healthz 2>/dev/null; then
			break
		fi
		sleep 0.2
	done
	cli endpoint list | sed 's/^/    /'
}

world_down() {
	set +e
	# Tear down even when the terminal or a pipe reading us is gone.
	trap '' PIPE INT
	info "Tearing down"
	local pid pod
	for pid in "${APP_PIDS[@]}"; do
		kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null
	done
	if [ -n "$AGENT_PID" ] && kill -0 "$AGENT_PID" 2>/dev/null; then
		cli service delete deathstar --namespace default >/dev/null 2>&1
		for pod in "${CREATED_PODS[@]}"; do
			cli endpoint delete "$pod" --namespace default >/dev/null 2>&1
		done
		kill "$AGENT_PID" 2>/dev/null; wait "$AGENT_PID" 2>/dev/null
	fi
	"$BIN/ciliuml7-agent" cleanup --state-dir "$STATE_DIR" --bpf-root "$BPF_ROOT" --policy-dir "$POLICY_DIR" >/dev/null 2>&1
	for pod in "${CREATED_PODS[@]}"; do
		ip netns del "$pod" 2>/dev/null
		rm -rf "/etc/netns/$pod"
	done
	rm -rf "$POLICY_DIR"
	say "done: no agent, pods, programs or pins left behind"
}
