# shellcheck shell=bash
# The CiliumL7 peer (and HAProxy behind the CiliumL7 eBPF redirect). Needs the
# agent, CLI, CNI plugin and BPF objects from `make build`; when any piece is
# missing the peer is reported "not available (reason)" and nothing is faked.

CILIUML7_BIN=${CILIUML7_BIN:-$REPO_ROOT/bin}
CILIUML7_FLOWS=on

ciliuml7_missing() {
	local f
	for f in ciliuml7 ciliuml7-agent ciliuml7-cni; do
		[ -x "$CILIUML7_BIN/$f" ] || { echo "bin/$f missing (run make build)"; return; }
	done
	compgen -G "$CILIUML7_BIN/bpf/*.o" >/dev/null || { echo "bin/bpf/*.o missing (eBPF datapath not built)"; return; }
	echo ""
}

peer_start_ciliuml7() { # RULESDIR
	local why
	why=$(ciliuml7_missing)
	[ -z "$why" ] || { PEER_REASON=$why; return 1; }
	PEER_REASON="agent + datapath + proxy integration not wired into the harness yet"
	return 1
}

peer_start_haproxy-tp() { # RULESDIR
	local why
	why=$(ciliuml7_missing)
	[ -z "$why" ] || { PEER_REASON="needs the CiliumL7 eBPF redirect: $why"; return 1; }
	PEER_REASON="HAProxy behind the CiliumL7 eBPF redirect not wired into the harness yet"
	return 1
}

ciliuml7_supports_flows_off() { return 1; }
