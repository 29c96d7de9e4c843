# shellcheck shell=bash
# Scenarios and the interleaved measurement loop.
#
#   phase "base"  (rules.txt):  h1 h2 deny cps down1m up1m rate conns5k (+ idle RSS)
#   phase "r1"    (1 rule):     rules1
#   phase "r10k"  (10,000 rules): rules10k (matches the last rule), rules10k_deny
#   phase "r10knp" (10,000 rules without literal prefixes): rules10k_nopfx(_deny)
#   (the rule-set phases add haproxy-idiomatic and nginx-idiomatic: the same rules
#   as an operator would configure them, next to the naive regex lists)
#   phase "flows" (CiliumL7 with flow events off): flows_off (= h1)
#
# In each scenario every repetition runs every peer once, in a new random
# order each repetition (B A C, C B A, ...); the first repetition of each peer
# is preceded by a short unrecorded warm-up. One CSV record per run, with the
# request accounting of that run (client non-2xx, requests that reached the
# backend, the proxy's own deny counter, fast path vs Kestrel for CiliumL7).

declare -A PEER_UNAVAILABLE=()   # peer -> reason it could not run at all
declare -A PEER_NO_H2=()         # peer -> reason HTTP/2 is not measured
declare -A SCEN_DURATION=()
WARMUP_S=1
PRIME_S=5
# Idle RSS is read after this many seconds without load (and the 5,000 idle
# connections are left idle this long before their RSS is read): an idle
# process at rest, not one a moment after its last request.
IDLE_REST_S=${PERF_IDLE_REST:-12}
RATE_TARGET=""

scenario_set_durations() { # MODE OVERRIDE
	local s
	if [ "$1" = quick ]; then
		PRIME_S=2
		for s in h1 h2 cps rate rules1 rules10k rules10k_deny rules10k_nopfx rules10k_nopfx_deny; do SCEN_DURATION[$s]=3; done
	else
		SCEN_DURATION=([h1]=6 [h2]=4 [deny]=4 [cps]=4 [down1m]=4 [up1m]=4 [rate]=6
			[conns5k]=6 [rules1]=4 [rules10k]=4 [rules10k_deny]=4 [rules10k_nopfx]=4
			[rules10k_nopfx_deny]=4 [flows_off]=6)
	fi
	if [ -n "$2" ]; then
		for s in "${!SCEN_DURATION[@]}"; do SCEN_DURATION[$s]=$2; done
	fi
	return 0
}

scenario_wanted() { [[ " $SCENARIOS " == *" $1 "* ]]; }

# Which peers take part in a scenario (direct has no rules to enforce, and no
# proxy process whose memory could be measured).
scenario_peers() { # SCENARIO
	local p out=()
	for p in $PEERS; do
		case $1 in
		deny | conns5k | rules1 | rules10k | rules10k_deny | rules10k_nopfx | rules10k_nopfx_deny) [ "$p" = direct ] && continue ;;
		flows_off) [ "$p" = ciliuml7 ] || continue ;;
		esac
		# the idiomatic configurations exist for the 10,000-rule sets only
		if [[ $p == *-idiomatic ]] && [[ $1 != rules10k* ]]; then continue; fi
		# bench-quick: HAProxy's rule evaluation is the same in both modes;
		# skip the second node's agent restarts and 10k-rule import.
		if [ "$MODE" = quick ] && [[ $1 == rules* ]] && [ "$p" = haproxy-tp ]; then continue; fi
		out+=("$p")
	done
	echo "${out[*]}"
}

scenario_describe() {
	case $1 in
	h1) echo "HTTP/1.1 keep-alive, small response: wrk -t1 -c50 -d${SCEN_DURATION[h1]}s GET /small" ;;
	h2) echo "HTTP/2 prior knowledge: h2load -t1 -c10 -m10 -D ${SCEN_DURATION[h2]} GET /small" ;;
	deny) echo "denied requests (403 path): wrk -t1 -c50 GET /private/secret" ;;
	cps) echo "new connection per request: wrk -t1 -c50 -H 'Connection: close' GET /small" ;;
	down1m) echo "1 MiB responses: wrk -t1 -c10 GET /1m (rps = MiB/s)" ;;
	up1m) echo "1 MiB uploads: wrk -t1 -c10 POST /upload (1 MiB body; rps = MiB/s)" ;;
	rate) echo "fixed rate (half HAProxy's h1 max), open loop: perf/loadgen/openloop -c50 (latency from each request's intended send time) -> p50/p90/p99" ;;
	conns5k) echo "5,000 idle keep-alive connections (h2load --h1 -c5000 --rps 0.01: one request each), RSS after ${IDLE_REST_S}s idle" ;;
	rules1) echo "1 rule, request matches it: wrk -t1 -c50 GET /svc10000/v1/items" ;;
	rules10k) echo "10,000 rules, request matches the last: wrk -t1 -c50 GET /svc10000/v1/items" ;;
	rules10k_deny) echo "10,000 rules, request matches none (403): wrk -t1 -c50 GET /nomatch/v1/items" ;;
	rules10k_nopfx) echo "10,000 rules without literal prefixes (GET /[a-z]+/svcN/[a-z]+), request matches the last: wrk -t1 -c50 GET /app/svc10000/items" ;;
	rules10k_nopfx_deny) echo "10,000 rules without literal prefixes, request matches none (403): wrk -t1 -c50 GET /app/nomatch/items" ;;
	flows_off) echo "as h1, CiliumL7 with flow events off" ;;
	idle) echo "RSS at rest (${IDLE_REST_S}s) after start-up and priming" ;;
	esac
}

# ---------------------------------------------------------------- peers per phase
# phase_start RULESDIR PHASE: starts every peer; unavailable ones are recorded.
phase_start() {
	local dir=$1 phase=$2 p
	for p in $PEERS; do
		[ -n "${PEER_UNAVAILABLE[$p]:-}" ] && continue
		if [ "$phase" = flows ] && [ "$p" != ciliuml7 ]; then continue; fi
		if [ "$phase" != base ] && [ "$p" = direct ]; then continue; fi
		if [[ $p == *-idiomatic ]] && [[ $phase != r10k* ]]; then continue; fi
		if [ "$MODE" = quick ] && [ "$phase" != base ] && [ "$p" = haproxy-tp ]; then continue; fi
		if [ "$phase" = flows ]; then CILIUML7_FLOWS=off; else CILIUML7_FLOWS=on; fi
		if ! peer_start "$p" "$dir"; then
			declare -F "peer_abandon_$p" >/dev/null && "peer_abandon_$p"
			PEER_UNAVAILABLE[$p]=$PEER_REASON
			perf_warn "$p: not available ($PEER_REASON)"
			continue
		fi
		if ! smoke_check "$p" "$phase"; then
			PEER_UNAVAILABLE[$p]="smoke check failed: $SMOKE_REASON"
			perf_warn "$p: not measured ($SMOKE_REASON)"
			peer_stop "$p"
			declare -F "peer_abandon_$p" >/dev/null && "peer_abandon_$p"
			continue
		fi
		perf_log "$p up: ${PEER_MODE_OF[$p]} (pids $(peer_pids "$p" | tr '\n' ' '))"
	done
	phase_prime "$phase"
}

# Prime every peer once per phase (not recorded): JIT tiers, pools, caches,
# so the first interleaved run does not measure start-up.
phase_prime() { # PHASE
	local p path=/small
	[ "$1" = r1 ] || [ "$1" = r10k ] && path=/svc10000/v1/items
	[ "$1" = r10knp ] && path=/app/svc10000/items
	[ "$PRIME_S" -gt 0 ] || return 0
	for p in $PEERS; do
		[ -n "${PEER_UNAVAILABLE[$p]:-}" ] && continue
		[ -n "${PEER_URL_OF[$p]:-}" ] || continue
		[ "$p" = direct ] && [ "$1" != base ] && continue
		# not started in this phase (stopped since; e.g. haproxy-tp in bench-quick's rule-set phases)
		[ "$p" != direct ] && [ -z "${PEER_PID_OF[$p]:-}" ] && continue
		[[ $p == *-idiomatic ]] && [[ $1 != r10k* ]] && continue
		PERF_CLIENT_NS=${PEER_NS_OF[$p]}
		load_run wrk "$PERF_WORK/prime.$p.out" $((PRIME_S + 20)) -- -t1 -c50 -d"${PRIME_S}s" "${PEER_URL_OF[$p]}$path"
	done
	perf_log "primed every peer with ${PRIME_S}s of load"
}

phase_stop() {
	local p
	for p in $PEERS; do peer_stop "$p"; done
}

# curl from the peer's client namespace; prints "CODE BODY-BYTES-AS-HEX".
smoke_curl() { # PEER ARGS...
	local p=$1; shift
	timeout 20 nsenter --net="/var/run/netns/${PEER_NS_OF[$p]}" curl -s -m 10 "$@"
}

smoke_check() { # PEER PHASE
	local p=$1 phase=$2 u=${PEER_URL_OF[$1]} code body
	SMOKE_REASON=""
	case $phase in
	base | flows)
		code=$(smoke_curl "$p" -o /dev/null -w '%{http_code}' "$u/small")
		[ "$code" = 200 ] || { SMOKE_REASON="GET /small -> $code, want 200"; return 1; }
		code=$(smoke_curl "$p" -o /dev/null -w '%{http_code}' --data-binary "@$PERF_WORK/backend/www/1m.bin" "$u/upload")
		[ "$code" = 200 ] || { SMOKE_REASON="POST /upload (1 MiB) -> $code, want 200"; return 1; }
		if [ "$p" != direct ]; then
			body=$(smoke_curl "$p" -w '|%{http_code}' "$u/private/secret" | od -An -c | tr -s ' \n' ' ')
			[ "$body" = " A c c e s s d e n i e d \r \n | 4 0 3 " ] ||
				{ SMOKE_REASON="GET /private/secret -> [$body], want 403 'Access denied\\r\\n'"; return 1; }
		fi
		code=n/a
		[ -n "${PEER_URL_H2_OF[$p]}" ] && code=$(smoke_curl "$p" -o /dev/null -w '%{http_code}' --http2-prior-knowledge "${PEER_URL_H2_OF[$p]}/small")
		if [ "$code" != 200 ]; then
			PEER_NO_H2[$p]="h2c prior-knowledge GET /small -> $code"
			perf_warn "$p: HTTP/2 not measured (${PEER_NO_H2[$p]})"
		fi
		;;
	r1 | r10k | r10knp)
		# The proxy may swap in a new rule set a moment after the agent reports
		# the revision: retry (bounded) until the rule set is in force.
		# Paths: the last rule (200), none (403), the first rule (200 only with
		# the 10,000-rule set), a near miss of the last rule's shape (403).
		local tries want=403 c1 c2 c3 c4 a=/svc10000/v1/items n=/nomatch/v1/items f=/svc1/v1/items x=/svc10000/v1/items?q=1
		[ "$phase" = r10k ] && want=200   # only the 10,000-rule set allows /svc1/...
		[ "$phase" = r10knp ] && { want=200; a=/app/svc10000/items; n=/app/nomatch/items; f=/app/svc1/items; x=/app/svc10000/Items; }
		for ((tries = 0; tries < 60; tries++)); do
			c1=$(smoke_curl "$p" -o /dev/null -w '%{http_code}' "$u$a")
			c2=$(smoke_curl "$p" -o /dev/null -w '%{http_code}' "$u$n")
			c3=$(smoke_curl "$p" -o /dev/null -w '%{http_code}' "$u$f")
			c4=$(smoke_curl "$p" -o /dev/null -w '%{http_code}' "$u$x")
			[ "$c1" = 200 ] && [ "$c2" = 403 ] && [ "$c3" = "$want" ] && [ "$c4" = 403 ] && break
			sleep 0.5
		done
		[ "$tries" -gt 0 ] && [ "$tries" -lt 60 ] && perf_warn "$p: rule set $phase in force only $((tries / 2)) s after the agent reported it applied"
		[ "$c1" = 200 ] || { SMOKE_REASON="GET $a -> $c1, want 200"; return 1; }
		[ "$c2" = 403 ] || { SMOKE_REASON="GET $n -> $c2, want 403"; return 1; }
		[ "$c3" = "$want" ] || { SMOKE_REASON="GET $f -> $c3, want $want (rule set not in force after 30 s)"; return 1; }
		[ "$c4" = 403 ] || { SMOKE_REASON="GET $x -> $c4, want 403 (the rules match the whole path and query)"; return 1; }
		;;
	esac
	return 0
}

# ---------------------------------------------------------------- one measurement
# csv_row SCEN PEER REP REQUESTS DUR P50 P90 P99 CPU_TICKS RSS ERRORS NOTE [ACCOUNTING]
# ACCOUNTING: "NON2XX BACKEND_REQUESTS PROXY_DENIED FAST_PATH KESTREL" of this run.
csv_row() {
	local s=$1 p=$2 rep=$3 req=$4 dur=$5 p50=$6 p90=$7 p99=$8 ticks=$9 rss=${10} err=${11} note=${12}
	local acct=${13:-n/a n/a n/a n/a n/a} non2xx be denied fast kestrel
	read -r non2xx be denied fast kestrel <<<"$acct"
	local cpu rps rpc
	if [ -n "$ticks" ]; then cpu=$(perf_ticks_to_s "$ticks"); else cpu=n/a; fi
	rps=$(perf_div "$req" "$dur" "%.0f")
	rpc=$(perf_div "$req" "$cpu" "%.0f")
	[ "$req" = n/a ] && { rps=n/a; rpc=n/a; }
	local mode=${PEER_MODE_OF[$p]:-n/a}
	mode=${mode//,/;} note=${note//,/;} note=${note//\"/\'}
	printf '%s,%s,"%s",%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,"%s",%s,%s,%s,%s,%s\n' \
		"$s" "$p" "$mode" "$rep" "$req" "$dur" "$rps" "$p50" "$p90" "$p99" "$cpu" "$rpc" "$rss" "$err" "$note" \
		"$non2xx" "$be" "$denied" "$fast" "$kestrel" >>"$RAW_CSV"
	printf '  %-13s %-17s rep %s  %9s rps  %9s rps/cpu-s  p99 %7s ms  cpu %5s s  rss %7s kB  err %s  non2xx %s backend %s denied %s fast/kestrel %s/%s %s\n' \
		"$s" "$p" "$rep" "$rps" "$rpc" "$p99" "$cpu" "$rss" "$err" "$non2xx" "$be" "$denied" "$fast" "$kestrel" "$note" >&2
}

measure() { # SCENARIO PEER REP
	local s=$1 p=$2 rep=$3
	local u=${PEER_URL_OF[$p]} uh2=${PEER_URL_H2_OF[$p]} d=${SCEN_DURATION[$s]:-5}
	local out=$PERF_WORK/$s.$p.$rep.out
	local tool expect=ok args=() warm=() pids t0 t1 rss parsed note="" limit
	PERF_CLIENT_NS=${PEER_NS_OF[$p]}
	case $s in
	h1 | flows_off) tool=wrk; args=(-t1 -c50 -d"${d}s" --latency "$u/small") ;;
	h2)
		if [ -n "${PEER_NO_H2[$p]:-}" ]; then
			csv_row "$s" "$p" "$rep" n/a n/a n/a n/a n/a "" n/a n/a "not measured: ${PEER_NO_H2[$p]}"
			return
		fi
		tool=h2load; args=(-t1 -c10 -m10 -D "$d" "$uh2/small") ;;
	deny) tool=wrk; expect=deny; args=(-t1 -c50 -d"${d}s" --latency "$u/private/secret") ;;
	cps) tool=wrk; args=(-t1 -c50 -d"${d}s" --latency -H "Connection: close" "$u/small") ;;
	down1m) tool=wrk; args=(-t1 -c10 -d"${d}s" --latency "$u/1m") ;;
	up1m) tool=wrk; args=(-t1 -c10 -d"${d}s" --latency -s "$PERF_LUA_DIR/upload.lua" "$u/upload") ;;
	rules1 | rules10k) tool=wrk; args=(-t1 -c50 -d"${d}s" --latency "$u/svc10000/v1/items") ;;
	rules10k_deny) tool=wrk; expect=deny; args=(-t1 -c50 -d"${d}s" --latency "$u/nomatch/v1/items") ;;
	rules10k_nopfx) tool=wrk; args=(-t1 -c50 -d"${d}s" --latency "$u/app/svc10000/items") ;;
	rules10k_nopfx_deny) tool=wrk; expect=deny; args=(-t1 -c50 -d"${d}s" --latency "$u/app/nomatch/items") ;;
	rate)
		if [ -z "$RATE_TARGET" ]; then
			csv_row "$s" "$p" "$rep" n/a n/a n/a n/a n/a "" n/a n/a "no HAProxy h1 result to derive the rate from"
			return
		fi
		if [ -z "${OPENLOOP_BIN:-}" ]; then
			csv_row "$s" "$p" "$rep" n/a n/a n/a n/a n/a "" n/a n/a "not measured: perf/loadgen/openloop.c did not build"
			return
		fi
		local hp=${u#http://}
		tool=$OPENLOOP_BIN
		args=(-a "${hp%:*}" -p "${hp##*:}" -c 50 -r "$RATE_TARGET" -d "$d" -P /small)
		note="rate ${RATE_TARGET}/s open loop" ;;
	conns5k) measure_conns "$p" "$rep" "$d"; return ;;
	*) perf_die "unknown scenario $s" ;;
	esac
	limit=$((d + 30))

	# Warm-up (connection pools; JIT was primed per phase), not recorded;
	# later repetitions follow a run of the same scenario already.
	if [ "$WARMUP_S" -gt 0 ] && [ "$rep" = 1 ]; then
		if [ "$tool" = wrk ]; then
			warm=("${args[@]}")
			warm=("${warm[@]/-d${d}s/-d${WARMUP_S}s}")
		elif [ "$s" = rate ]; then
			warm=(-a "${args[1]}" -p "${args[3]}" -c 50 -r "$RATE_TARGET" -d "$WARMUP_S" -P /small)
		else
			warm=(-t1 -c10 -m10 -D "$WARMUP_S" "$uh2/small")
		fi
		load_run "$tool" "$out.warm" $((WARMUP_S + 20)) -- "${warm[@]}"
	fi

	pids=$(peer_pids "$p")
	local prof_pid=""
	if [ "${PERF_PROFILE:-0}" = 1 ] && [ "$s" = h1 ] && [ "$rep" = 1 ] && [ -n "$pids" ] && command -v perf >/dev/null; then
		timeout $((d + 20)) perf record -F 499 -g -p "$(echo $pids | tr ' ' ',')" -o "$OUT_DIR/profile-$p.data" -- sleep $((d - 1)) \
			>"$OUT_DIR/profile-$p.log" 2>&1 &
		prof_pid=$!
	fi
	local c0 c1
	c0=$(peer_counters "$p")
	t0=$(perf_cpu_ticks $pids)
	load_run "$tool" "$out" "$limit" -- "${args[@]}"
	t1=$(perf_cpu_ticks $pids)
	c1=$(peer_counters "$p")
	if [ -n "$prof_pid" ]; then
		wait "$prof_pid" 2>/dev/null
		{
			echo "# perf record -F 499 -g of $p during its first h1 run; self time by binary, then by symbol"
			perf report -i "$OUT_DIR/profile-$p.data" --no-children --sort dso -g none --stdio 2>/dev/null | grep -E '^ +[0-9]' | head -15
			echo
			perf report -i "$OUT_DIR/profile-$p.data" --no-children --sort dso,sym -g none --stdio 2>/dev/null | grep -E '^ +[0-9]' | head -45
		} >"$OUT_DIR/profile-$p.txt"
		perf_log "profile of $p (h1): $OUT_DIR/profile-$p.txt"
	fi
	rss=$(perf_rss_kb $pids)
	[ -n "$pids" ] || { rss=n/a; t0=""; }
	case $tool in
	wrk) parsed=$(parse_wrk "$out" "$expect") ;;
	h2load) parsed=$(parse_h2load "$out" "$expect") ;;
	*) parsed=$(parse_openloop "$out") ;;
	esac
	local req dur p50 p90 p99 err non2xx
	read -r req dur p50 p90 p99 err non2xx <<<"$parsed"
	if [ "${req:-0}" = 0 ]; then
		note="no requests completed: $(grep -m1 -iE 'error|refused|fail' "$out" | tr ',"' ';'"'" | head -c 120)"
	fi
	csv_row "$s" "$p" "$rep" "${req:-0}" "${dur:-0}" "$p50" "$p90" "$p99" "${t0:+$((t1 - t0))}" "$rss" "${err:-0}" "$note" \
		"${non2xx:-n/a} $(counters_delta "$c0" "$c1")"
}

# counters_delta "B0 D0 F0 K0" "B1 D1 F1 K1" -> the run's "BACKEND DENIED FAST KESTREL"
# (the backend's second stub_status read counts itself: minus 1).
counters_delta() {
	awk -v a="$1" -v b="$2" 'BEGIN {
		n = split(a, x, " "); split(b, y, " ")
		for (i = 1; i <= 4; i++) {
			v = (x[i] ~ /^[0-9]+$/ && y[i] ~ /^[0-9]+$/) ? y[i] - x[i] - (i == 1 ? 1 : 0) : "n/a"
			printf "%s%s", v, (i < 4 ? " " : "\n")
		}
	}'
}

# 5,000 idle keep-alive connections: h2load --h1 with one request per
# connection every 100 s (--rps 0.01), so each connection sends one request
# and then stays open and idle; RSS is sampled while they are open.
measure_conns() { # PEER REP DURATION
	local p=$1 rep=$2 d=$3 n=${PERF_IDLE_CONNS:-5000}
	local out=$PERF_WORK/conns5k.$p.$rep.out pids rss hpid estab req err
	timeout -k 5 $((d + IDLE_REST_S + 30)) nsenter --net="/var/run/netns/${PEER_NS_OF[$p]}" \
		taskset -c 0 h2load --h1 -t1 -c"$n" -m1 --rps=0.01 -D "$((d + IDLE_REST_S))" "${PEER_URL_OF[$p]}/small" \
		>"$out" 2>&1 &
	hpid=$!
	sleep $((d - 1 + IDLE_REST_S))
	pids=$(peer_pids "$p")
	rss=$(perf_rss_kb $pids)
	estab=$(nsenter --net="/var/run/netns/${PEER_NS_OF[$p]}" ss -Htn state established 2>/dev/null | wc -l)
	wait "$hpid" 2>/dev/null
	read -r req _ _ _ _ err <<<"$(parse_h2load "$out" ok)"
	csv_row conns5k "$p" "$rep" n/a n/a n/a n/a n/a "" "$rss" "${err:-0}" "$estab client connections established; $req requests answered"
}

# ---------------------------------------------------------------- the loop
run_scenario() { # SCENARIO
	local s=$1 rep p peers reps=$REPS
	# bench-quick: only h1 is repeated (the others feed the summary line once)
	[ "$MODE" = quick ] && [ "$s" != h1 ] && reps=1
	peers=$(scenario_peers "$s")
	perf_log "scenario $s: $(scenario_describe "$s")"
	for ((rep = 1; rep <= reps; rep++)); do
		# a new random order of the peers in every repetition
		for p in $(shuf -e $peers); do
			if [ -n "${PEER_UNAVAILABLE[$p]:-}" ]; then
				[ "$rep" = 1 ] && csv_row "$s" "$p" 1 n/a n/a n/a n/a n/a "" n/a n/a "not available: ${PEER_UNAVAILABLE[$p]}"
				continue
			fi
			measure "$s" "$p" "$rep"
		done
	done
}

# rate target: half of HAProxy's median h1 RPS, in its faster mode.
derive_rate_target() {
	local p v best=0 src=""
	for p in haproxy haproxy-tp; do
		v=$(awk -F, -v p="$p" '$1 == "h1" && $2 == p && $7 ~ /^[0-9]+$/ { print $7 }' "$RAW_CSV" | sort -n |
			awk '{ v[NR] = $1 } END { if (NR) print v[int((NR + 1) / 2)] }')
		if [ -n "$v" ] && [ "$v" -gt "$best" ]; then best=$v; src=$p; fi
	done
	if [ "$best" -gt 0 ]; then
		RATE_TARGET=$((best / 2))
		RATE_SOURCE=$src
		perf_log "fixed rate: $RATE_TARGET req/s (half of $src's median h1 $best)"
	fi
}

scenarios_run_all() {
	local s p
	# -- phase base
	perf_log "phase base: rules from perf/peers/rules.txt"
	phase_start "$PERF_WORK/rules-base" base
	perf_log "idle: ${IDLE_REST_S}s at rest before reading RSS"
	sleep "$IDLE_REST_S"
	for p in $PEERS; do
		[ -n "${PEER_UNAVAILABLE[$p]:-}" ] && { csv_row idle "$p" 1 n/a n/a n/a n/a n/a "" n/a n/a "not available: ${PEER_UNAVAILABLE[$p]}"; continue; }
		[ "$p" = direct ] && continue
		[ -n "${PEER_PID_OF[$p]:-}" ] || continue # not part of this phase (the idiomatic rule-set peers)
		csv_row idle "$p" 1 n/a n/a n/a n/a n/a "" "$(perf_rss_kb $(peer_pids "$p"))" 0 ""
	done
	# where CiliumL7's idle RSS is: out/idle-memory-ciliuml7.txt
	[ -n "${PEER_PID_OF[ciliuml7]:-}" ] && perf_memory_breakdown "${PEER_PID_OF[ciliuml7]}" >"$OUT_DIR/idle-memory-ciliuml7.txt"
	for s in h1 h2 deny cps down1m up1m rate conns5k; do
		scenario_wanted "$s" || continue
		[ "$s" = rate ] && derive_rate_target
		run_scenario "$s"
	done
	if [ -n "${PERF_HOLD:-}" ]; then
		# Debugging aid: keep the base phase's peers and namespaces up.
		perf_log "holding for ${PERF_HOLD}s: $(ip netns list | awk '{print $1}' | grep -- "-$RUN_ID" | tr '\n' ' ')"
		sleep "$PERF_HOLD"
	fi
	phase_stop
	# -- phase r1 / r10k
	if scenario_wanted rules1; then
		perf_log "phase r1: 1 rule"
		phase_start "$PERF_WORK/rules-1" r1
		run_scenario rules1
		phase_stop
	fi
	if scenario_wanted rules10k || scenario_wanted rules10k_deny; then
		perf_log "phase r10k: 10,000 rules"
		phase_start "$PERF_WORK/rules-10k" r10k
		scenario_wanted rules10k && run_scenario rules10k
		scenario_wanted rules10k_deny && run_scenario rules10k_deny
		phase_stop
	fi
	if scenario_wanted rules10k_nopfx || scenario_wanted rules10k_nopfx_deny; then
		perf_log "phase r10knp: 10,000 rules without literal prefixes"
		phase_start "$PERF_WORK/rules-10k-nopfx" r10knp
		scenario_wanted rules10k_nopfx && run_scenario rules10k_nopfx
		scenario_wanted rules10k_nopfx_deny && run_scenario rules10k_nopfx_deny
		phase_stop
	fi
	# -- phase flows (CiliumL7 only)
	if scenario_wanted flows_off && [[ " $PEERS " == *" ciliuml7 "* ]] && [ -z "${PEER_UNAVAILABLE[ciliuml7]:-}" ]; then
		if ciliuml7_supports_flows_off; then
			perf_log "phase flows: CiliumL7 with flow events off"
			phase_start "$PERF_WORK/rules-base" flows
			run_scenario flows_off
			phase_stop
		else
			csv_row flows_off ciliuml7 1 n/a n/a n/a n/a n/a "" n/a n/a "not measured: the agent has no flag to turn flow events off"
		fi
	fi
	return 0
}
