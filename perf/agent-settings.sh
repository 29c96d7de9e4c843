#!/usr/bin/env bash
# A/B of the agent's .NET runtime settings: idle RSS (after priming, as perf/run.sh
# reports it), RSS with 5,000 idle keep-alive connections, and HTTP/1.1 keep-alive
# requests per agent CPU-second — each variant run by perf/run.sh exactly as the
# benchmark starts the agent, variants interleaved in a new random order each
# repetition. A variant is a copy of bin/ whose ciliuml7-agent.runtimeconfig.json
# gets extra configProperties, or extra environment for the agent.
#
#   bash perf/agent-settings.sh [--reps N] [--duration S] [--out DIR] [VARIANT...]
#
# VARIANT: NAME (the built-in list below) or NAME='{"System.GC.Server":false}' (JSON
# merged into configProperties) or NAME=env:K=V[,K=V] (agent environment) or
# NAME=bin:DIR (another build's bin/, e.g. a copy taken before a change). Root;
# after `make build`. Prints one line per run and a table of medians (min–max).
set -uo pipefail

PERF_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
BIN=$PERF_ROOT/../bin
REPS=2
DURATION=3
OUT=$PERF_ROOT/out/agent-settings
declare -A BUILTIN=(
	[default]='{}'
	[workstation]='{"System.GC.Server":false}'
	[conserve]='{"System.GC.ConserveMemory":7}'
	[quickjit]='{"System.Runtime.TieredCompilation.QuickJit":true}'
	[gen0-4m]='env:DOTNET_GCgen0size=0x400000'
)
VARIANTS=()
while [ $# -gt 0 ]; do
	case $1 in
	--reps) REPS=$2; shift ;;
	--duration) DURATION=$2; shift ;;
	--out) OUT=$2; shift ;;
	-h | --help) sed -n '2,14p' "$0"; exit 0 ;;
	*) VARIANTS+=("$1") ;;
	esac
	shift
done
[ ${#VARIANTS[@]} -gt 0 ] || VARIANTS=(default workstation conserve quickjit gen0-4m)
[ "$(id -u)" = 0 ] || { echo "run as root" >&2; exit 1; }
[ -x "$BIN/ciliuml7-agent" ] || { echo "bin/ciliuml7-agent missing: make build" >&2; exit 1; }
command -v jq >/dev/null || { echo "jq missing" >&2; exit 1; }

WORK=$(mktemp -d /tmp/ciliuml7-agent-settings.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
mkdir -p "$OUT"
declare -A SPEC=() ENVS=()
for v in "${VARIANTS[@]}"; do
	name=${v%%=*}
	spec=${BUILTIN[$name]:-}
	[[ $v == *=* ]] && spec=${v#*=}
	[ -n "$spec" ] || { echo "unknown variant $name (built in: ${!BUILTIN[*]})" >&2; exit 2; }
	mkdir -p "$WORK/$name"
	cp -a "$BIN/." "$WORK/$name/"
	if [[ $spec == bin:* ]]; then
		cp -a "${spec#bin:}/." "$WORK/$name/" || { echo "variant $name: cannot copy ${spec#bin:}" >&2; exit 2; }
	elif [[ $spec == env:* ]]; then
		ENVS[$name]=${spec#env:}
		ENVS[$name]=${ENVS[$name]//,/ }
	else
		jq --argjson p "$spec" '.runtimeOptions.configProperties += $p' "$BIN/ciliuml7-agent.runtimeconfig.json" \
			>"$WORK/$name/ciliuml7-agent.runtimeconfig.json" || { echo "variant $name: bad JSON $spec" >&2; exit 2; }
	fi
	SPEC[$name]=$spec
done

RAW=$OUT/runs.csv
echo "variant,rep,idle_rss_kb,conns5k_rss_kb,h1_rps_per_cpu,h1_p99_ms,load" >"$RAW"
for ((rep = 1; rep <= REPS; rep++)); do
	for name in $(shuf -e "${!SPEC[@]}"); do
		dir=$OUT/$name-$rep
		CILIUML7_BIN=$WORK/$name PERF_AGENT_ENV=${ENVS[$name]:-} \
			bash "$PERF_ROOT/run.sh" --quick --peers ciliuml7 --scenarios "h1 conns5k" --reps 1 \
			--duration "$DURATION" --out "$dir" --no-results-md >"$dir.log" 2>&1
		row=$(awk -F, '
			$2 == "ciliuml7" && $1 == "idle" { idle = $15 }
			$2 == "ciliuml7" && $1 == "conns5k" { c5k = $15 }
			$2 == "ciliuml7" && $1 == "h1" { rpc = $8; p99 = $13 }
			END { printf "%s,%s,%s,%s", (idle == "" ? "n/a" : idle), (c5k == "" ? "n/a" : c5k), (rpc == "" ? "n/a" : rpc), (p99 == "" ? "n/a" : p99) }' \
			"$dir/results.csv" 2>/dev/null)
		echo "$name,$rep,${row:-n/a,n/a,n/a,n/a},$(awk '{print $1}' /proc/loadavg)" | tee -a "$RAW"
	done
done

echo
printf '%-14s %-22s %-26s %-24s %s\n' variant "idle RSS MB" "5k conns RSS MB" "h1 req/agent CPU-s" setting
for name in "${!SPEC[@]}"; do
	awk -F, -v n="$name" -v spec="${SPEC[$name]}" '
		function med(list,    a, k, i, j, t) {
			k = split(list, a, " "); if (!k) return "n/a"
			for (i = 2; i <= k; i++) { t = a[i] + 0; for (j = i - 1; j >= 1 && a[j] + 0 > t; j--) a[j + 1] = a[j]; a[j + 1] = t }
			return ((k % 2) ? a[(k + 1) / 2] : (a[k / 2] + a[k / 2 + 1]) / 2) " (" a[1] "–" a[k] ")"
		}
		function mb(list,    a, k, i, o) { k = split(list, a, " "); o = ""; for (i = 1; i <= k; i++) o = o " " sprintf("%.1f", a[i] / 1024); return o }
		$1 == n && $3 ~ /^[0-9]+$/ { idle = idle " " $3 }
		$1 == n && $4 ~ /^[0-9]+$/ { c5k = c5k " " $4 }
		$1 == n && $5 ~ /^[0-9]+$/ { rpc = rpc " " $5 }
		END { printf "%-14s %-22s %-26s %-24s %s\n", n, med(mb(idle)), med(mb(c5k)), med(rpc), spec }' "$RAW"
done
echo "runs: $RAW (logs and per-run results under $OUT)"
