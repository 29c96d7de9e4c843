# shellcheck shell=bash
# Outputs: the terminal table, perf/out/results.csv (aggregate.awk),
# perf/out/report.html (html.awk: self-contained, inline SVG), the generated
# section of perf/RESULTS.md (markdown.awk) and the summary line.

PERF_REPORT_DIR=${PERF_REPORT_DIR:-$PERF_ROOT/report}

report_aggregate() { awk -f "$PERF_REPORT_DIR/aggregate.awk" "$1"; }

# results.csv field numbers (see aggregate.awk's header)
# 1 scenario 2 peer 3 mode 4 n 5 rps_med 6 rps_min 7 rps_max 8 rpc_med 9 rpc_min
# 10 rpc_max 11 p50 12 p90 13 p99 14 cpu_s 15 rss_kb 16 errors 17 rpc_vs_haproxy
# 18 rps_vs_haproxy 19 rps_vs_direct 20 p99_vs_haproxy 21 p99_vs_direct
# 22 rss_vs_haproxy 23 haproxy_ref 24 note

report_table() {
	awk -F, '
		NR == 1 {
			printf "\n%-13s %-11s %3s %22s %20s %8s %8s %8s %5s %9s %9s  %s\n", "scenario", "peer", "n",
				"rps med (min-max)", "rps/cpu-s med", "p50 ms", "p99 ms", "rss MB", "err", "vs hapx", "vs direct", "note"
			next
		}
		{
			rng = ($5 == "n/a") ? "n/a" : sprintf("%s (%s-%s)", $5, $6, $7)
			rss = ($15 == "n/a") ? "n/a" : sprintf("%.1f", $15 / 1024)
			vs = ($1 == "rate") ? $20 : (($1 == "idle" || $1 == "conns5k") ? $22 : $17)
			note = $24; gsub(/"/, "", note)
			printf "%-13s %-11s %3s %22s %20s %8s %8s %8s %5s %9s %9s  %s\n", $1, $2, $4, rng, $8, $11, $13, rss, $16, vs, \
				($1 == "rate" ? $21 : $19), substr(note, 1, 70)
		}' "$1" >&2
	echo "  (vs hapx: rps/cpu-s ratio; for rate: p99 ratio; for idle/conns5k: RSS ratio. vs direct: rps ratio; for rate: p99 ratio)" >&2
}

report_html() { awk -v meta="$2" -f "$PERF_REPORT_DIR/html.awk" "$1"; }

# Rewrites the text between the generated-section markers of RESULTS.md
# (created if missing); the rest of the file is left as it is.
report_results_md() { # AGG META RESULTS_MD
	local agg=$1 meta=$2 md=$3 gen
	gen=$(mktemp)
	awk -v meta="$meta" -f "$PERF_REPORT_DIR/markdown.awk" "$agg" >"$gen"
	if [ ! -f "$md" ] || ! grep -q '<!-- perf:begin -->' "$md"; then
		{
			[ -f "$md" ] && cat "$md" && echo
			echo '<!-- perf:begin -->'
			echo '<!-- perf:end -->'
		} >"$md.tmp" && mv "$md.tmp" "$md"
	fi
	awk -v gen="$gen" '
		/<!-- perf:begin -->/ { print; while ((getline l < gen) > 0) print l; skip = 1; next }
		/<!-- perf:end -->/ { skip = 0 }
		!skip { print }' "$md" >"$md.tmp" && mv "$md.tmp" "$md"
	rm -f "$gen"
}

# The last line: CiliumL7 against HAProxy (its better mode, as in the
# tables) / direct / itself.
report_summary() { # AGG MODE
	awk -F, -v mode="$2" '
		{ rpc[$1, $2] = $8; rps[$1, $2] = $5; p99[$1, $2] = $13; rss[$1, $2] = $15; vsh[$1, $2] = $17; ref[$1, $2] = $23 }
		function v(x) { return (x ~ /^[0-9.]+$/) ? x : "n/a" }
		function r(a, b) { return (a ~ /^[0-9.]+$/ && b ~ /^[0-9.]+$/ && b + 0 > 0) ? sprintf("%.2f", a / b) : "n/a" }
		END {
			hr = ref["h1", "ciliuml7"]; if (hr == "") hr = "haproxy"
			a = r(rpc["h1", "ciliuml7"], rpc["h1", hr])
			b = r(rps["h1", "ciliuml7"], rps["h1", "direct"])
			c = r(rpc["rules10k", "ciliuml7"], rpc["rules1", "ciliuml7"])
			if (("rate", "ciliuml7") in p99) {
				pr = ref["rate", "ciliuml7"]; if (pr == "") pr = "haproxy"
				d = r(p99["rate", "ciliuml7"], p99["rate", pr]); how = "fixed-rate p99 vs " pr
			} else {
				d = r(p99["h1", "ciliuml7"], p99["h1", hr]); how = "closed-loop h1 p99 vs " hr " (no fixed-rate run in this mode)"
			}
			printf "HAProxy reference (its better mode): %s; p99 ratio from %s; rules10k_vs_1 = CiliumL7 rps/cpu-s with 10,000 rules (last matches) / with 1 rule\n", hr, how > "/dev/stderr"
			h2 = v(vsh["h2", "ciliuml7"]); cps = v(vsh["cps", "ciliuml7"])
			idle = (rss["idle", "ciliuml7"] ~ /^[0-9]+$/) ? sprintf("%.0f", rss["idle", "ciliuml7"] / 1024) : "n/a"
			# the idiomatic HAProxy 10k configuration (one shape regex + keys in a pattern tree), same rule set
			idio = r(rpc["rules10k", "ciliuml7"], rpc["rules10k", "haproxy-idiomatic"])
			printf "summary: rps_per_cpu_vs_haproxy=%s rps_vs_direct=%s h2_vs_haproxy=%s cps_vs_haproxy=%s p99_vs_haproxy=%s idle_rss_mb=%s rules10k_vs_1=%s rules10k_vs_haproxy_idiomatic=%s\n", a, b, h2, cps, d, idle, c, idio
		}' "$1"
}
