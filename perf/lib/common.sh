# shellcheck shell=bash
# Shared helpers for perf/run.sh: logging, the cleanup registry (everything
# the harness creates is recorded here and removed on EXIT/INT/TERM, by PID
# and by exact name), /proc accounting (CPU ticks, RSS) and small maths.

PERF_CLK_TCK=$(getconf CLK_TCK 2>/dev/null || echo 100)

# ---------------------------------------------------------------- logging
perf_log()  { printf '\033[2m[%s]\033[0m %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }
perf_warn() { printf '\033[33m[%s] warning:\033[0m %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }
perf_die()  { printf '\033[31m[%s] error:\033[0m %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; exit 1; }

# ---------------------------------------------------------------- cleanup registry
PERF_PIDS=()        # processes we started (killed by PID, TERM then KILL)
PERF_NETNS=()       # network namespaces we created (deleted by exact name)
PERF_CLEANUP_CMDS=() # extra commands (routes we added, agent cleanup, ...), run in reverse order

perf_track_pid()   { PERF_PIDS+=("$1"); }
perf_track_netns() { PERF_NETNS+=("$1"); }
perf_on_cleanup()  { PERF_CLEANUP_CMDS+=("$1"); }

# perf_kill_pid PID: TERM, wait up to 5 s, then KILL. Only ever one PID we started.
perf_kill_pid() {
	local pid=$1 i
	[ -n "$pid" ] || return 0
	kill -0 "$pid" 2>/dev/null || return 0
	kill -TERM "$pid" 2>/dev/null || true
	for i in $(seq 1 50); do
		kill -0 "$pid" 2>/dev/null || return 0
		sleep 0.1
	done
	kill -KILL "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
}

# Forget a PID once it has been stopped explicitly.
perf_untrack_pid() {
	local pid=$1 i
	for i in "${!PERF_PIDS[@]}"; do
		[ "${PERF_PIDS[$i]}" = "$pid" ] && unset 'PERF_PIDS[i]'
	done
}

PERF_CLEANED=0
perf_cleanup() {
	[ "$PERF_CLEANED" = 1 ] && return 0
	PERF_CLEANED=1
	set +e
	local i pid ns
	for pid in "${PERF_PIDS[@]}"; do perf_kill_pid "$pid"; done
	for ((i = ${#PERF_CLEANUP_CMDS[@]} - 1; i >= 0; i--)); do
		eval "${PERF_CLEANUP_CMDS[$i]}" >/dev/null 2>&1
	done
	for ns in "${PERF_NETNS[@]}"; do ip netns del "$ns" 2>/dev/null; done
	perf_log "cleaned up (${#PERF_PIDS[@]} processes, ${#PERF_NETNS[@]} namespaces)"
}

perf_install_traps() {
	trap 'perf_cleanup' EXIT
	trap 'perf_warn "interrupted"; exit 130' INT
	trap 'perf_warn "terminated"; exit 143' TERM
}

# ---------------------------------------------------------------- namespaces
# perf_ns NAME CMD...: run CMD inside network namespace NAME (nsenter keeps
# the mount namespace, so /sys/fs/bpf stays visible).
perf_ns() {
	local ns=$1; shift
	nsenter --net="/var/run/netns/$ns" "$@"
}

# perf_spawn NS OUT CMD...: start CMD in the background inside NS (nsenter
# execs it, so the PID is the program's own), output to OUT; PID in
# PERF_SPAWNED, tracked for cleanup.
perf_spawn() {
	local ns=$1 out=$2; shift 2
	nsenter --net="/var/run/netns/$ns" "$@" >"$out" 2>&1 </dev/null &
	PERF_SPAWNED=$!
	perf_track_pid "$PERF_SPAWNED"
}

# ---------------------------------------------------------------- /proc accounting
# perf_children PID: direct children of PID (nginx workers), from /proc.
perf_children() {
	local parent=$1
	if compgen -G "/proc/$parent/task/*/children" >/dev/null; then
		cat /proc/"$parent"/task/*/children 2>/dev/null | tr ' ' '\n' | grep -E '^[0-9]+$' || true
	fi
}

# perf_cpu_ticks PID...: utime+stime (clock ticks) summed over the PIDs.
perf_cpu_ticks() {
	local pid total=0 t
	for pid in "$@"; do
		[ -r "/proc/$pid/stat" ] || continue
		# Fields after the last ')': state is $1, utime $12, stime $13.
		t=$(sed 's/^.*) //' "/proc/$pid/stat" 2>/dev/null | awk '{print $12 + $13}')
		total=$((total + ${t:-0}))
	done
	echo "$total"
}

# perf_rss_kb PID...: VmRSS (kB) summed over the PIDs.
perf_rss_kb() {
	local pid total=0 r
	for pid in "$@"; do
		r=$(awk '/^VmRSS:/ {print $2}' "/proc/$pid/status" 2>/dev/null)
		total=$((total + ${r:-0}))
	done
	echo "$total"
}

# perf_memory_breakdown PID: smaps_rollup, then resident MB per mapping (file name,
# or [anon]/[heap]/memfd), largest first.
perf_memory_breakdown() {
	echo "# /proc/$1/smaps_rollup"
	cat "/proc/$1/smaps_rollup" 2>/dev/null
	echo "# resident MB per mapping (summed over its ranges), largest first"
	awk '
		/^[0-9a-f]+-[0-9a-f]+ / { name = (NF >= 6) ? $6 : "[anon]"; if (name ~ /^\/memfd:/) name = "memfd:" substr(name, 8); next }
		/^Rss:/ { rss[name] += $2 }
		END { for (n in rss) if (rss[n] >= 64) printf "%8.1f %s\n", rss[n] / 1024, n }' "/proc/$1/smaps" 2>/dev/null | sort -rn | head -60
}

# perf_ticks_to_s TICKS
perf_ticks_to_s() { awk -v t="$1" -v h="$PERF_CLK_TCK" 'BEGIN { printf "%.2f", t / h }'; }

# perf_div A B [FMT]: A/B, or n/a when either is missing/zero.
perf_div() {
	awk -v a="$1" -v b="$2" -v f="${3:-%.2f}" 'BEGIN {
		if (a == "" || b == "" || a == "n/a" || b == "n/a" || b + 0 == 0) { print "n/a"; exit }
		printf f "\n", a / b }'
}

# perf_wait_tcp NS HOST PORT [TRIES]: wait until a TCP connect succeeds from NS.
perf_wait_tcp() {
	local ns=$1 host=$2 port=$3 tries=${4:-100} i
	for ((i = 0; i < tries; i++)); do
		if perf_ns "$ns" bash -c "exec 3<>/dev/tcp/$host/$port" 2>/dev/null; then return 0; fi
		sleep 0.1
	done
	return 1
}

# perf_loadavg: the 1, 5 and 15-minute load averages (how busy the machine was).
perf_loadavg() { awk '{print $1, $2, $3}' /proc/loadavg; }

# perf_cpu_busy_pct_since SNAPSHOT: % of all CPUs busy since a /proc/stat snapshot
# taken with perf_cpu_snapshot (everything: us, others, kernel).
perf_cpu_snapshot() { awk '/^cpu / {idle = $5 + $6; tot = 0; for (i = 2; i <= NF; i++) tot += $i; print tot, idle}' /proc/stat; }
perf_cpu_busy_pct_since() {
	local t0 i0 t1 i1
	read -r t0 i0 <<<"$1"
	read -r t1 i1 <<<"$(perf_cpu_snapshot)"
	awk -v dt=$((t1 - t0)) -v di=$((i1 - i0)) 'BEGIN { if (dt <= 0) print "n/a"; else printf "%.0f\n", 100 * (dt - di) / dt }'
}
