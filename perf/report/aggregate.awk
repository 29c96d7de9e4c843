# Aggregates perf/out/raw.csv (one row per run) into perf/out/results.csv
# (one row per scenario x peer): medians with min-max, and ratios against
# HAProxy (transparent mode when measured, else reverse-proxy mode) and direct.
# mawk-compatible: no asort, no gensub.
BEGIN {
	FS = ","
	print "scenario,peer,mode,n,rps_med,rps_min,rps_max,rpc_med,rpc_min,rpc_max,p50_ms,p90_ms,p99_ms,cpu_s,rss_kb,errors,rpc_vs_haproxy,rps_vs_haproxy,rps_vs_direct,p99_vs_haproxy,p99_vs_direct,rss_vs_haproxy,haproxy_ref,note,requests,non2xx,backend_requests,proxy_denied,fast_path,kestrel"
}

function num(v) { return v ~ /^[0-9]+(\.[0-9]+)?$/ }

# median / min / max of a space-separated list of numbers ("" when empty)
function stat(list, which,    a, n, i, j, t) {
	n = split(list, a, " ")
	if (n == 0) return ""
	for (i = 2; i <= n; i++) {
		t = a[i] + 0
		for (j = i - 1; j >= 1 && a[j] + 0 > t; j--) a[j + 1] = a[j]
		a[j + 1] = t
	}
	if (which == "min") return a[1]
	if (which == "max") return a[n]
	if (n % 2) return a[(n + 1) / 2]
	return (a[n / 2] + a[n / 2 + 1]) / 2
}

function add(k, col, v) { if (num(v)) vals[k, col] = vals[k, col] " " v }

# request accounting: summed over the runs; n/a as soon as one run has no value
function acc(k, col, v) {
	if (!((k, col) in sum)) sum[k, col] = 0
	if (v ~ /^-?[0-9]+$/ && sum[k, col] != "n/a") sum[k, col] += v
	else sum[k, col] = "n/a"
}

function ratio(a, b) {
	if (!num(a) || !num(b) || b + 0 == 0) return "n/a"
	return sprintf("%.2f", a / b)
}

function better(s,    a, b) {
	a = "haproxy"; b = "haproxy-tp"
	if (s == "rate") {
		if (!num(p99[s, b])) return a
		if (!num(p99[s, a])) return b
		return (p99[s, b] + 0 < p99[s, a] + 0) ? b : a
	}
	if (s == "idle" || s == "conns5k") {
		if (!num(rss[s, b])) return a
		if (!num(rss[s, a])) return b
		return (rss[s, b] + 0 < rss[s, a] + 0) ? b : a
	}
	if (!num(rpc[s, b])) return a
	if (!num(rpc[s, a])) return b
	return (rpc[s, b] + 0 > rpc[s, a] + 0) ? b : a
}

function fmt(v) {
	if (v == "") return "n/a"
	if (v == int(v)) return sprintf("%d", v)
	return sprintf("%.3f", v)
}
function sv(k, col) { return ((k, col) in sum) ? sum[k, col] : "n/a" }
function fint(v) { return (v == "") ? "n/a" : sprintf("%.0f", v) }

NR == 1 { next }
{
	s = $1; p = $2; k = s SUBSEP p
	if (!(k in seen)) { seen[k] = 1; order[++nk] = k; scen[nk] = s; peer[nk] = p; mode[k] = $3 }
	add(k, "rps", $7); add(k, "rpc", $12); add(k, "p50", $8); add(k, "p90", $9); add(k, "p99", $10)
	add(k, "cpu", $11); add(k, "rss", $13)
	if (num($7) || num($13)) runs[k]++
	if (num($14)) errs[k] += $14
	if (num($7) && NF >= 20) {
		acc(k, "req", $5); acc(k, "non2xx", $16); acc(k, "be", $17); acc(k, "den", $18); acc(k, "fast", $19); acc(k, "kes", $20)
	}
	n = $15; gsub(/"/, "", n)
	if (n != "" && index(notes[k], n) == 0) notes[k] = (notes[k] == "" ? n : notes[k] "; " n)
}
END {
	for (i = 1; i <= nk; i++) {
		k = order[i]
		rps[k] = stat(vals[k, "rps"], "med"); rpc[k] = stat(vals[k, "rpc"], "med")
		p99[k] = stat(vals[k, "p99"], "med"); rss[k] = stat(vals[k, "rss"], "med")
	}
	for (i = 1; i <= nk; i++) {
		k = order[i]; s = scen[i]
		# The HAProxy reference is HAProxy's better mode in this scenario
		# (reverse proxy or behind the eBPF redirect): higher rps/cpu-s, or
		# lower p99 at a fixed rate, or lower RSS for the memory rows.
		ref = better(s)
		d = s SUBSEP "direct"
		printf "%s,%s,%s,%d,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%d,%s,%s,%s,%s,%s,%s,%s,\"%s\",%s,%s,%s,%s,%s,%s\n", \
			s, peer[i], mode[k], runs[k] + 0, \
			fint(rps[k]), fint(stat(vals[k, "rps"], "min")), fint(stat(vals[k, "rps"], "max")), \
			fint(rpc[k]), fint(stat(vals[k, "rpc"], "min")), fint(stat(vals[k, "rpc"], "max")), \
			fmt(stat(vals[k, "p50"], "med")), fmt(stat(vals[k, "p90"], "med")), fmt(p99[k]), \
			fmt(stat(vals[k, "cpu"], "med")), fint(rss[k]), errs[k] + 0, \
			ratio(rpc[k], rpc[s, ref]), ratio(rps[k], rps[s, ref]), ratio(rps[k], rps[d]), \
			ratio(p99[k], p99[s, ref]), ratio(p99[k], p99[d]), ratio(rss[k], rss[s, ref]), ref, notes[k], \
			sv(k, "req"), sv(k, "non2xx"), sv(k, "be"), sv(k, "den"), sv(k, "fast"), sv(k, "kes")
	}
}
