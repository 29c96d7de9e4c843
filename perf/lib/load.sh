# shellcheck shell=bash
# Load generators (always in the client netns, pinned to CPU 0) and their
# output parsers. Each measurement prints one CSV record (see perf_csv_header).
#
#   wrk      HTTP/1.1 closed loop, latency percentiles from --latency
#   h2load   HTTP/2 (prior knowledge, multiplexed), the 5,000-connection run
#   openloop HTTP/1.1 at a fixed rate, open loop (perf/loadgen/openloop.c, built
#            with clang by the harness): latency from each request's intended
#            send time, so a stall is charged to every request it delayed

PERF_LUA_DIR=${PERF_LUA_DIR:-}

perf_csv_header() {
	echo "scenario,peer,mode,rep,requests,duration_s,rps,p50_ms,p90_ms,p99_ms,cpu_s,rps_per_cpu,rss_kb,errors,note,non2xx,backend_requests,proxy_denied,fast_path,kestrel"
}

# wrk_to_ms "470.00us" -> 0.470
wrk_to_ms() {
	awk -v v="$1" 'BEGIN {
		if (v ~ /us$/) { sub(/us$/, "", v); printf "%.3f", v / 1000; exit }
		if (v ~ /ms$/) { sub(/ms$/, "", v); printf "%.3f", v; exit }
		if (v ~ /m$/)  { sub(/m$/, "", v);  printf "%.3f", v * 60000; exit }
		if (v ~ /s$/)  { sub(/s$/, "", v);  printf "%.3f", v * 1000; exit }
		print "n/a" }'
}

# parse_wrk FILE EXPECT(ok|deny) -> "requests duration p50 p90 p99 errors non2xx"
parse_wrk() {
	local f=$1 expect=$2
	local req dur p50 p90 p99 sock non2xx bad
	req=$(awk '/requests in/ { print $1; exit }' "$f")
	dur=$(awk '/requests in/ { d = $4; sub(/,$/, "", d); print d; exit }' "$f")
	p50=$(wrk_to_ms "$(awk '$1 == "50%" { print $2; exit }' "$f")")
	p90=$(wrk_to_ms "$(awk '$1 == "90%" { print $2; exit }' "$f")")
	p99=$(wrk_to_ms "$(awk '$1 == "99%" { print $2; exit }' "$f")")
	sock=$(awk '/Socket errors:/ { gsub(/,/, ""); print $4 + $6 + $8 + $10; exit }' "$f")
	non2xx=$(awk '/Non-2xx or 3xx responses:/ { print $NF; exit }' "$f")
	dur=$(wrk_to_ms "${dur:-0s}")
	dur=$(awk -v d="$dur" 'BEGIN { printf "%.2f", d / 1000 }')
	req=${req:-0}; sock=${sock:-0}; non2xx=${non2xx:-0}
	if [ "$expect" = deny ]; then bad=$((req - non2xx)); else bad=$non2xx; fi
	echo "$req $dur ${p50:-n/a} ${p90:-n/a} ${p99:-n/a} $((sock + bad)) $non2xx"
}

# parse_h2load FILE EXPECT -> "requests duration p50 p90 p99 errors non2xx" (percentiles n/a)
parse_h2load() {
	local f=$1 expect=$2
	awk -v expect="$expect" '
		/^finished in/ { d = $3; sub(/s,$/, "", d); sub(/ms,$/, "", d) }
		/^requests:/ { total = $2; succ = $8 }
		/^status codes:/ { s2 = $3; s4 = $7 }
		END {
			ok = (expect == "deny") ? s4 : s2
			err = total - ok
			if (err < 0) err = 0
			non2xx = total - s2
			if (non2xx < 0) non2xx = 0
			printf "%d %.2f n/a n/a n/a %d %d\n", succ + 0, d + 0, err, non2xx
		}' "$f"
}

# parse_openloop FILE -> "requests duration p50 p90 p99 errors non2xx"
# (requests: completed; errors: failed or unanswered + not 2xx. A late send is not an
# error: its delay is in the latency.)
parse_openloop() {
	awk '/^requests=/ {
		for (i = 1; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
		printf "%d %s %s %s %s %d %d\n", v["completed"], v["duration_s"], v["p50_ms"], v["p90_ms"], v["p99_ms"], \
			v["errors"] + v["non2xx"], v["non2xx"]
		found = 1
	}
	END { if (!found) print "0 0 n/a n/a n/a 0 n/a" }' "$1"
}

# openloop_build DIR: compiles perf/loadgen/openloop.c into DIR; prints the binary's path.
openloop_build() {
	local bin=$1/openloop
	command -v clang >/dev/null || return 1
	clang -O2 -Wall -o "$bin" "$PERF_ROOT/loadgen/openloop.c" 2>"$1/openloop.err" || return 1
	echo "$bin"
}

# load_run TOOL OUTFILE -- ARGS... : runs the tool in the client netns on CPU 0,
# bounded by `timeout`.
load_run() {
	local tool=$1 out=$2 limit=$3; shift 4
	timeout -k 5 "$limit" nsenter --net="/var/run/netns/$PERF_CLIENT_NS" \
		taskset -c 0 "$tool" "$@" >"$out" 2>&1
}
