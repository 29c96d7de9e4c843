# shellcheck shell=bash
# Load generators (always in the client netns, pinned to CPU 0) and their
# output parsers. Each measurement prints one CSV record (see perf_csv_header).
#
#   wrk      HTTP/1.1 closed loop, latency percentiles from --latency
#   h2load   HTTP/2 (prior knowledge, multiplexed) and the fixed-rate run
#            (--h1 --rps, per-request times from --log-file -> p50/p90/p99)

PERF_LUA_DIR=${PERF_LUA_DIR:-}

perf_csv_header() {
	echo "scenario,peer,mode,rep,requests,duration_s,rps,p50_ms,p90_ms,p99_ms,cpu_s,rps_per_cpu,rss_kb,errors,note"
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

# parse_wrk FILE EXPECT(ok|deny) -> "requests duration p50 p90 p99 errors"
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
	echo "$req $dur ${p50:-n/a} ${p90:-n/a} ${p99:-n/a} $((sock + bad))"
}

# parse_h2load FILE EXPECT -> "requests duration p50 p90 p99 errors" (percentiles n/a)
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
			printf "%d %.2f n/a n/a n/a %d\n", succ + 0, d + 0, err
		}' "$f"
}

# percentiles_from_h2load_log LOG -> "p50 p90 p99" (ms)
percentiles_from_h2load_log() {
	awk -F'\t' '{ print $3 }' "$1" | sort -n | awk '
		{ v[NR] = $1 }
		END {
			if (NR == 0) { print "n/a n/a n/a"; exit }
			i50 = int(NR * 0.50); if (i50 < 1) i50 = 1
			i90 = int(NR * 0.90); if (i90 < 1) i90 = 1
			i99 = int(NR * 0.99); if (i99 < 1) i99 = 1
			printf "%.3f %.3f %.3f\n", v[i50] / 1000, v[i90] / 1000, v[i99] / 1000
		}'
}

# load_run TOOL OUTFILE -- ARGS... : runs the tool in the client netns on CPU 0,
# bounded by `timeout`.
load_run() {
	local tool=$1 out=$2 limit=$3; shift 4
	timeout -k 5 "$limit" nsenter --net="/var/run/netns/$PERF_CLIENT_NS" \
		taskset -c 0 "$tool" "$@" >"$out" 2>&1
}
