#!/usr/bin/env bash
# Side-by-side load test: CiliumL7 vs HAProxy vs nginx vs direct, same L7
# rules, same topology, one run. See perf/README.md for what is measured.
#
#   bash perf/run.sh            full run (every scenario, 5 repetitions in random order)
#   bash perf/run.sh --quick    what the summary line needs (h1 x2, h2, cps, open-loop
#                               rate, 1 vs 10k rules incl. idiomatic HAProxy), < 4 minutes
#
# Options: --reps N, --peers "direct haproxy nginx ciliuml7", --scenarios "h1 ...",
#          --duration S (overrides every scenario's length), --out DIR,
#          --no-results-md (do not rewrite perf/RESULTS.md; default for --quick),
#          --no-micro (skip the BenchmarkDotNet microbenchmarks of a full run),
#          --profile (perf record of each proxy during its first h1 run -> out/profile-PEER.txt),
#          --rereport (no measurement: rebuild the reports from --out's raw.csv and meta.env)
# Needs root (network namespaces, eBPF). Everything it creates is removed on
# exit, Ctrl-C or TERM. The last line printed is the summary line.
set -uo pipefail

PERF_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_ROOT=$(cd "$PERF_ROOT/.." && pwd)
PEERS_DIR=$PERF_ROOT/peers
PERF_LUA_DIR=$PERF_ROOT/lib

# shellcheck source=lib/common.sh
source "$PERF_ROOT/lib/common.sh"
# shellcheck source=lib/topology.sh
source "$PERF_ROOT/lib/topology.sh"
# shellcheck source=lib/rules.sh
source "$PERF_ROOT/lib/rules.sh"
# shellcheck source=lib/peers.sh
source "$PERF_ROOT/lib/peers.sh"
# shellcheck source=lib/ciliuml7.sh
source "$PERF_ROOT/lib/ciliuml7.sh"
# shellcheck source=lib/load.sh
source "$PERF_ROOT/lib/load.sh"
# shellcheck source=lib/scenarios.sh
source "$PERF_ROOT/lib/scenarios.sh"
# shellcheck source=lib/report.sh
source "$PERF_ROOT/lib/report.sh"

# ---------------------------------------------------------------- options
PERF_ARGS="$*"
MODE=full
REPS=""
PEERS="direct haproxy haproxy-tp nginx ciliuml7 haproxy-idiomatic nginx-idiomatic"
SCENARIOS=""
DURATION_OVERRIDE=""
OUT_DIR=$PERF_ROOT/out
WRITE_RESULTS_MD=""
while [ $# -gt 0 ]; do
	case $1 in
	--quick) MODE=quick ;;
	--reps) REPS=$2; shift ;;
	--peers) PEERS=$2; shift ;;
	--scenarios) SCENARIOS=$2; shift ;;
	--duration) DURATION_OVERRIDE=$2; shift ;;
	--out) OUT_DIR=$2; shift ;;
	--no-results-md) WRITE_RESULTS_MD=0 ;;
	--no-micro) PERF_NO_MICRO=1 ;;
	--profile) PERF_PROFILE=1 ;;
	--rereport) REREPORT=1 ;;
	--results-md) WRITE_RESULTS_MD=1 ;;
	-h | --help) sed -n '2,15p' "$0"; exit 0 ;;
	*) perf_die "unknown option $1 (see --help)" ;;
	esac
	shift
done
if [ "$MODE" = quick ]; then
	REPS=${REPS:-2}
	SCENARIOS=${SCENARIOS:-"h1 h2 cps rate rules1 rules10k rules10k_deny"}
	WRITE_RESULTS_MD=${WRITE_RESULTS_MD:-0}
else
	REPS=${REPS:-5}
	SCENARIOS=${SCENARIOS:-"h1 h2 deny cps down1m up1m rate conns5k rules1 rules10k rules10k_deny rules10k_nopfx rules10k_nopfx_deny flows_off"}
	WRITE_RESULTS_MD=${WRITE_RESULTS_MD:-1}
fi
scenario_set_durations "$MODE" "$DURATION_OVERRIDE"

if [ "${REREPORT:-0}" = 1 ]; then
	[ -f "$OUT_DIR/raw.csv" ] && [ -f "$OUT_DIR/meta.env" ] || perf_die "--rereport needs $OUT_DIR/raw.csv and meta.env"
	MODE=$(awk -F= '$1 == "mode" { print $2 }' "$OUT_DIR/meta.env")
	report_aggregate "$OUT_DIR/raw.csv" >"$OUT_DIR/results.csv"
	report_table "$OUT_DIR/results.csv"
	report_html "$OUT_DIR/results.csv" "$OUT_DIR/meta.env" >"$OUT_DIR/report.html"
	[ "$MODE" = full ] && [ "$WRITE_RESULTS_MD" = 1 ] && report_results_md "$OUT_DIR/results.csv" "$OUT_DIR/meta.env" "$PERF_ROOT/RESULTS.md"
	report_summary "$OUT_DIR/results.csv" "$MODE"
	exit 0
fi

# ---------------------------------------------------------------- preflight
[ "$(id -u)" = 0 ] || perf_die "run as root (network namespaces, eBPF)"
for tool in ip nsenter taskset wrk h2load nginx timeout curl socat shuf; do
	command -v "$tool" >/dev/null || perf_die "$tool is missing (make bootstrap installs it)"
done
[ "$(nproc)" -ge 2 ] || perf_warn "fewer than 2 CPUs: proxy and client share a CPU; numbers are not comparable"
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
[ "$(ulimit -n)" -ge 12000 ] || perf_warn "open-file limit $(ulimit -n) < 12000: the 5,000-connection scenario may fail"

perf_install_traps
PERF_WORK=$(mktemp -d /tmp/ciliuml7-perf.XXXXXX)
chmod 755 "$PERF_WORK"
# PERF_KEEP_WORK=1: keep the run's configurations and tool outputs (debugging)
[ "${PERF_KEEP_WORK:-0}" = 1 ] && perf_log "keeping $PERF_WORK" || perf_on_cleanup "rm -rf '$PERF_WORK'"
mkdir -p "$OUT_DIR"
RAW_CSV=$OUT_DIR/raw.csv
AGG_CSV=$OUT_DIR/results.csv
META=$OUT_DIR/meta.env
perf_csv_header >"$RAW_CSV"
RUN_ID=$(printf '%06x' $(((RANDOM << 15 | RANDOM) & 0xffffff)))
RUN_STARTED=$(date -u +%s)
CPU_SNAP0=$(perf_cpu_snapshot)
LOAD0=$(perf_loadavg)

perf_log "CiliumL7 perf: mode=$MODE reps=$REPS peers=[$PEERS] scenarios=[$SCENARIOS] run=$RUN_ID"
perf_log "machine: $(nproc) CPUs ($(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo)), load average $LOAD0"

# ---------------------------------------------------------------- topology
topo_blackhole_host
topo_plain_up "$RUN_ID"
PERF_CLIENT_NS=$TOPO_CLIENT_NS
backend_start "$TOPO_BACKEND_NS" "$TOPO_BACKEND_IP" "$PERF_WORK/backend"

# ---------------------------------------------------------------- rule sets
mkdir -p "$PERF_WORK/rules-base" "$PERF_WORK/rules-1" "$PERF_WORK/rules-10k" "$PERF_WORK/rules-10k-nopfx"
rules_render "$PEERS_DIR/rules.txt" "$PERF_WORK/rules-base"
rules_gen_many "$PERF_WORK/rules-10k.txt" 10000
tail -n 1 "$PERF_WORK/rules-10k.txt" >"$PERF_WORK/rules-1.txt"
rules_render "$PERF_WORK/rules-1.txt" "$PERF_WORK/rules-1"
rules_render "$PERF_WORK/rules-10k.txt" "$PERF_WORK/rules-10k"
rules_render_idiomatic "$PERF_WORK/rules-10k.txt" "$PERF_WORK/rules-10k" prefix
rules_gen_many "$PERF_WORK/rules-10k-nopfx.txt" 10000 noprefix
rules_render "$PERF_WORK/rules-10k-nopfx.txt" "$PERF_WORK/rules-10k-nopfx"
rules_render_idiomatic "$PERF_WORK/rules-10k-nopfx.txt" "$PERF_WORK/rules-10k-nopfx" noprefix

# the open-loop generator of the fixed-rate scenario
OPENLOOP_BIN=""
if scenario_wanted rate; then
	OPENLOOP_BIN=$(openloop_build "$PERF_WORK") || perf_warn "perf/loadgen/openloop.c did not build: $(head -c 300 "$PERF_WORK/openloop.err" 2>/dev/null); the rate scenario is not measured"
fi

# ---------------------------------------------------------------- run
scenarios_run_all
PERF_WALL=$(($(date -u +%s) - RUN_STARTED))
{
	echo "date=$(date -u '+%Y-%m-%d %H:%M UTC')"
	echo "mode=$MODE"
	echo "reps=$REPS"
	echo "wall_s=$PERF_WALL"
	echo "cpus=$(nproc)"
	echo "cpu_model=$(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo)"
	echo "kernel=$(uname -r)"
	echo "mem=$(awk '/MemTotal/ {printf "%.0f GiB", $2 / 1048576}' /proc/meminfo)"
	echo "load_start=$LOAD0"
	echo "load_end=$(perf_loadavg)"
	echo "h2_upstream=HTTP/2 (h2c prior knowledge) from every proxy to the backend's port 81: HAProxy proto h2, nginx grpc_pass, CiliumL7 its HTTP/2 forwarder"
	echo "rate_tool=perf/loadgen/openloop (open loop, latency from the intended send time; 50 connections)"
	echo "machine_busy_pct=$(perf_cpu_busy_pct_since "$CPU_SNAP0")"
	echo "tools=$(wrk -v 2>&1 | head -1 | awk '{print $1, $2}'); $(h2load --version 2>&1 | head -1); $(haproxy -v 2>/dev/null | head -1 | awk '{print $1, $2, $3}'); $(nginx -v 2>&1)"
	echo "command=bash perf/run.sh${PERF_ARGS:+ $PERF_ARGS}"
	echo "rate_target=${RATE_TARGET:-n/a}"
	# provenance: what was measured, with which runtime settings
	echo "git_rev=$(git -C "$PERF_ROOT/.." describe --always --dirty 2>/dev/null || echo n/a)"
	echo "agent_runtimeconfig=$(jq -c '.runtimeOptions.configProperties // {}' "${CILIUML7_BIN:-$PERF_ROOT/../bin}/ciliuml7-agent.runtimeconfig.json" 2>/dev/null || echo n/a)"
	echo "agent_extra_env=${PERF_AGENT_ENV:-none}"
	echo "agent_flags=${CL7_AGENT_FLAGS_USED:-defaults}"
	echo "dotnet_env=$(env | grep -E '^DOTNET_' | sort | tr '\n' ' ' | sed 's/ $//')"
	cat "$PERF_WORK/imports.env" 2>/dev/null
	for p in $PEERS; do
		echo "mode_$p=${PEER_MODE_OF[$p]:-not run}"
		echo "reason_$p=${PEER_UNAVAILABLE[$p]:-}"
	done
} >"$META"

report_aggregate "$RAW_CSV" >"$AGG_CSV"
report_table "$AGG_CSV"
report_html "$AGG_CSV" "$META" >"$OUT_DIR/report.html"
perf_log "wrote $RAW_CSV, $AGG_CSV, $OUT_DIR/report.html"
if [ "$WRITE_RESULTS_MD" = 1 ]; then
	report_results_md "$AGG_CSV" "$META" "$PERF_ROOT/RESULTS.md"
	perf_log "updated perf/RESULTS.md"
fi
perf_cleanup

# BenchmarkDotNet microbenchmarks (perf/Micro, owned by the policy engine
# work) are part of the full run when present.
if [ "$MODE" = full ] && [ "${PERF_NO_MICRO:-0}" != 1 ]; then
	if [ -x "$PERF_ROOT/Micro/run.sh" ]; then
		perf_log "microbenchmarks: perf/Micro/run.sh"
		timeout 900 "$PERF_ROOT/Micro/run.sh" >&2 || perf_warn "microbenchmarks failed or timed out"
	elif compgen -G "$PERF_ROOT/Micro/*.csproj" >/dev/null; then
		perf_log "microbenchmarks: dotnet run -c Release --project perf/Micro -- --filter '*' --job short"
		timeout 900 dotnet run -c Release --project "$PERF_ROOT/Micro" -- --filter '*' --job short >&2 ||
			perf_warn "microbenchmarks failed or timed out"
	else
		perf_log "microbenchmarks: perf/Micro not present, skipped"
	fi
fi
perf_log "provenance: $(grep -E '^(git_rev|agent_extra_env|agent_flags|dotnet_env|load_start|load_end|kernel)=' "$META" | tr '\n' ' ')"
report_summary "$AGG_CSV" "$MODE"
