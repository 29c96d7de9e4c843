# perf/out/results.csv -> one self-contained HTML page with inline SVG charts
# (no scripts, no downloads). Usage: awk -v meta=META -f html.awk results.csv
# mawk-compatible.
BEGIN {
	FS = ","
	while ((getline line < meta) > 0) {
		i = index(line, "=")
		if (i > 0) m[substr(line, 1, i - 1)] = substr(line, i + 1)
	}
	color["direct"] = "#8c8c8c"; color["haproxy"] = "#2f6db5"; color["haproxy-tp"] = "#163d6e"
	color["nginx"] = "#2e9a52"; color["ciliuml7"] = "#e8772e"
	scolor[1] = "#9ecae1"; scolor[2] = "#4292c6"; scolor[3] = "#08519c"
	title["h1"] = "HTTP/1.1 keep-alive, small responses"; title["h2"] = "HTTP/2 (h2c, 10 streams per connection)"
	title["deny"] = "Denied requests (403 path)"; title["cps"] = "New connection per request (Connection: close)"
	title["down1m"] = "1 MiB responses (rps = MiB/s)"; title["up1m"] = "1 MiB uploads (rps = MiB/s)"
	title["rules1"] = "1 rule, request matches it"; title["rules10k"] = "10,000 rules, request matches the last"
	title["rules10k_deny"] = "10,000 rules, request matches none (403)"; title["flows_off"] = "HTTP/1.1 keep-alive, flow events off"
	title["rate"] = "Fixed rate"; title["idle"] = "Idle"; title["conns5k"] = "5,000 idle connections"
}

function esc(s) { gsub(/&/, "\\&amp;", s); gsub(/</, "\\&lt;", s); gsub(/>/, "\\&gt;", s); gsub(/"/, "", s); return s }
function num(v) { return v ~ /^[0-9]+(\.[0-9]+)?$/ }
function pcolor(p) { return (p in color) ? color[p] : "#7a5195" }
function human(v) {
	if (!num(v)) return "n/a"
	if (v >= 1000000) return sprintf("%.2fM", v / 1000000)
	if (v >= 10000) return sprintf("%.1fk", v / 1000)
	if (v >= 100) return sprintf("%.0f", v)
	return sprintf("%.2f", v)
}

NR == 1 { next }
{
	s = $1; p = $2
	if (!(s in sidx)) { sidx[s] = ++ns; sname[ns] = s }
	if (!(p in pidx)) { pidx[p] = 1; extra[++nx] = p }
	for (i = 1; i <= NF; i++) { v = $i; gsub(/"/, "", v); f[s, p, i] = v }
	has[s, p] = 1
	row[++nr] = $0
}

# Horizontal bars, one per peer, with a min-max whisker. col/mincol/maxcol
# are results.csv field numbers.
function hchart(s, col, mincol, maxcol, unit,    i, p, n, mx, h, y, w, x0, x1, out, lab, v) {
	n = 0; mx = 0
	for (i = 1; i <= np; i++) {
		p = pname[i]
		if (!has[s, p] || (p == "direct" && col == 8)) continue
		n++
		v = f[s, p, maxcol]; if (!num(v)) v = f[s, p, col]
		if (num(v) && v + 0 > mx) mx = v + 0
	}
	if (n == 0) return ""
	if (mx == 0) mx = 1
	h = 24 * n + 30
	out = sprintf("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"620\" height=\"%d\" role=\"img\">", h)
	y = 8
	for (i = 1; i <= np; i++) {
		p = pname[i]
		if (!has[s, p] || (p == "direct" && col == 8)) continue
		out = out sprintf("<text x=\"104\" y=\"%d\" text-anchor=\"end\" class=\"l\">%s</text>", y + 14, esc(p))
		v = f[s, p, col]
		if (num(v)) {
			w = 380 * v / mx
			out = out sprintf("<rect x=\"110\" y=\"%d\" width=\"%.1f\" height=\"18\" fill=\"%s\"><title>%s: %s %s</title></rect>", y, w, pcolor(p), esc(p), v, unit)
			if (num(f[s, p, mincol]) && num(f[s, p, maxcol])) {
				x0 = 110 + 380 * f[s, p, mincol] / mx; x1 = 110 + 380 * f[s, p, maxcol] / mx
				out = out sprintf("<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%d\" y2=\"%d\" stroke=\"#222\" stroke-width=\"1.5\"/>", x0, x1, y + 9, y + 9)
				out = out sprintf("<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%d\" y2=\"%d\" stroke=\"#222\"/><line x1=\"%.1f\" x2=\"%.1f\" y1=\"%d\" y2=\"%d\" stroke=\"#222\"/>", x0, x0, y + 4, y + 14, x1, x1, y + 4, y + 14)
			}
			out = out sprintf("<text x=\"%.1f\" y=\"%d\" class=\"v\">%s</text>", 116 + w + (num(f[s, p, maxcol]) ? 380 * (f[s, p, maxcol] - v) / mx : 0), y + 14, human(v))
		} else {
			lab = f[s, p, 24]
			out = out sprintf("<text x=\"112\" y=\"%d\" class=\"na\">n/a %s</text>", y + 14, esc(substr(lab, 1, 80)))
		}
		y += 24
	}
	out = out sprintf("<text x=\"110\" y=\"%d\" class=\"ax\">%s (median of runs; whisker = min-max)</text></svg>", y + 14, unit)
	return out
}

# Grouped bars: for each peer, one bar per series (field numbers in cols[]).
function gchart(ss, nser, cols, snames, unit, div,    i, j, p, n, mx, h, y, w, out, v, s) {
	n = 0; mx = 0
	for (i = 1; i <= np; i++) {
		p = pname[i]; seen = 0
		for (j = 1; j <= nser; j++) {
			s = ss[j]
			if (!has[s, p]) continue
			seen = 1
			v = f[s, p, cols[j]]
			if (num(v) && v / div > mx) mx = v / div
		}
		if (seen) n++
	}
	if (n == 0) return ""
	if (mx == 0) mx = 1
	h = (12 * nser + 12) * n + 40
	out = sprintf("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"620\" height=\"%d\" role=\"img\">", h)
	y = 8
	for (i = 1; i <= np; i++) {
		p = pname[i]; seen = 0
		for (j = 1; j <= nser; j++) if (has[ss[j], p]) seen = 1
		if (!seen) continue
		out = out sprintf("<text x=\"104\" y=\"%d\" text-anchor=\"end\" class=\"l\">%s</text>", y + 6 * nser + 4, esc(p))
		for (j = 1; j <= nser; j++) {
			v = f[ss[j], p, cols[j]]
			if (num(v)) {
				v = v / div
				w = 380 * v / mx
				out = out sprintf("<rect x=\"110\" y=\"%d\" width=\"%.1f\" height=\"11\" fill=\"%s\"><title>%s %s: %s %s</title></rect>", y, w, scolor[j], esc(p), snames[j], v, unit)
				out = out sprintf("<text x=\"%.1f\" y=\"%d\" class=\"s\">%s</text>", 114 + w, y + 9, human(v))
			} else {
				out = out sprintf("<text x=\"112\" y=\"%d\" class=\"s na\">%s: n/a</text>", y + 9, snames[j])
			}
			y += 12
		}
		y += 12
	}
	x = 110
	for (j = 1; j <= nser; j++) {
		out = out sprintf("<rect x=\"%d\" y=\"%d\" width=\"10\" height=\"10\" fill=\"%s\"/><text x=\"%d\" y=\"%d\" class=\"s\">%s</text>", x, y + 2, scolor[j], x + 14, y + 11, snames[j])
		x += 110
	}
	out = out sprintf("<text x=\"%d\" y=\"%d\" class=\"ax\">%s</text></svg>", x + 10, y + 11, unit)
	return out
}

# Peers in a fixed order (the limit first, CiliumL7 last), then any others.
function order_peers(    i, n, a) {
	n = split("direct haproxy haproxy-tp nginx ciliuml7", a, " ")
	for (i = 1; i <= n; i++) if (a[i] in pidx) pname[++np] = a[i]
	for (i = 1; i <= nx; i++) if (!(extra[i] in fixed)) pname[++np] = extra[i]
}

function cell(v) { return "<td>" esc(v) "</td>" }

END {
	split("direct haproxy haproxy-tp nginx ciliuml7", fx, " ")
	for (i in fx) fixed[fx[i]] = 1
	order_peers()
	print "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>CiliumL7 performance, side by side</title>"
	print "<style>body{font:14px/1.45 system-ui,sans-serif;margin:24px auto;max-width:1280px;color:#222}"
	print "h1{font-size:22px}h2{font-size:18px;margin-top:28px;border-bottom:1px solid #ddd}h3{font-size:14px;margin:12px 0 2px}"
	print ".grid{display:flex;flex-wrap:wrap;gap:8px 28px}.card{flex:0 0 620px}"
	print "table{border-collapse:collapse;font-size:12px}td,th{border:1px solid #ddd;padding:3px 6px;text-align:right}td:nth-child(-n+3),th{text-align:left}"
	print ".l{font-size:12px}.v{font-size:11px}.s{font-size:10px}.ax{font-size:10px;fill:#666}.na{font-size:11px;fill:#a33}"
	print ".sum{display:flex;gap:18px}.sum div{border:1px solid #ddd;border-radius:6px;padding:8px 14px}.sum b{font-size:20px;display:block}"
	print ".meta{color:#555}</style></head><body>"
	print "<h1>CiliumL7 side by side with HAProxy, nginx and direct</h1>"
	printf "<p class=\"meta\">%s &middot; %s run, %s repetitions, %s s &middot; %s CPUs (%s), %s, kernel %s &middot; load average %s &rarr; %s, whole machine %s%% busy during the run &middot; %s</p>\n", \
		esc(m["date"]), esc(m["mode"]), esc(m["reps"]), esc(m["wall_s"]), esc(m["cpus"]), esc(m["cpu_model"]), esc(m["mem"]), esc(m["kernel"]), \
		esc(m["load_start"]), esc(m["load_end"]), esc(m["machine_busy_pct"]), esc(m["tools"])
	print "<p>The proxy under test runs pinned to CPU 1 with one worker/thread; client (wrk, h2load) and backend (nginx, one worker) share CPU 0. Every peer enforces the same rules (GET/POST on a path list, anything else &rarr; 403 <code>Access denied</code>). <b>Requests per proxy CPU-second</b> (requests / (utime+stime of the proxy's processes)) is the fair comparison: raw RPS is capped by the client's core.</p>"

	# summary boxes (same definitions as the summary line)
	ref = f["h1", "ciliuml7", 23]; if (ref == "") ref = "haproxy"
	print "<div class=\"sum\">"
	printf "<div>CiliumL7 rps per CPU-s vs %s<b>%s</b></div>", ref, (num(f["h1", "ciliuml7", 8]) && num(f["h1", ref, 8])) ? sprintf("%.2f&times;", f["h1", "ciliuml7", 8] / f["h1", ref, 8]) : "n/a"
	printf "<div>CiliumL7 rps vs direct<b>%s</b></div>", (num(f["h1", "ciliuml7", 5]) && num(f["h1", "direct", 5])) ? sprintf("%.2f&times;", f["h1", "ciliuml7", 5] / f["h1", "direct", 5]) : "n/a"
	printf "<div>10,000 rules vs 1 (CiliumL7 rps/CPU-s)<b>%s</b></div>", (num(f["rules10k", "ciliuml7", 8]) && num(f["rules1", "ciliuml7", 8])) ? sprintf("%.2f&times;", f["rules10k", "ciliuml7", 8] / f["rules1", "ciliuml7", 8]) : "n/a"
	printf "<div>p99 at fixed rate vs HAProxy (%s)<b>%s</b></div>", f["rate", "ciliuml7", 23], num(f["rate", "ciliuml7", 20]) ? f["rate", "ciliuml7", 20] "&times;" : "n/a"
	print "</div>"

	print "<h2>Requests per proxy CPU-second</h2><div class=\"grid\">"
	for (i = 1; i <= ns; i++) {
		s = sname[i]
		if (s == "idle" || s == "conns5k" || s == "rate") continue
		c = hchart(s, 8, 9, 10, "requests per proxy CPU-second")
		if (c != "") printf "<div class=\"card\"><h3>%s</h3>%s</div>\n", esc(title[s] ? title[s] : s), c
	}
	print "</div><h2>Requests per second</h2><div class=\"grid\">"
	for (i = 1; i <= ns; i++) {
		s = sname[i]
		if (s == "idle" || s == "conns5k" || s == "rate") continue
		c = hchart(s, 5, 6, 7, "requests per second")
		if (c != "") printf "<div class=\"card\"><h3>%s</h3>%s</div>\n", esc(title[s] ? title[s] : s), c
	}
	print "</div><h2>Latency</h2><div class=\"grid\">"
	split("rate rate rate", lss, " "); lcols[1] = 11; lcols[2] = 12; lcols[3] = 13; split("p50 p90 p99", lnames, " ")
	c = gchart(lss, 3, lcols, lnames, "ms", 1)
	if (c != "") printf "<div class=\"card\"><h3>Fixed rate %s req/s (half of HAProxy's h1 maximum), h2load --h1 -c50</h3>%s</div>\n", esc(m["rate_target"]), c
	split("h1 h1 h1", lss, " ")
	c = gchart(lss, 3, lcols, lnames, "ms", 1)
	if (c != "") printf "<div class=\"card\"><h3>Closed loop (wrk -c50, saturating), HTTP/1.1</h3>%s</div>\n", c
	print "</div><h2>Memory (RSS of the proxy's processes)</h2><div class=\"grid\">"
	split("idle conns5k", mss, " "); mcols[1] = 15; mcols[2] = 15; mnames[1] = "idle"; mnames[2] = "5,000 idle conns"
	c = gchart(mss, 2, mcols, mnames, "MB", 1024)
	if (c != "") printf "<div class=\"card\"><h3>RSS</h3>%s</div>\n", c
	print "</div>"

	print "<h2>All numbers</h2><table><tr><th>scenario</th><th>peer</th><th>mode</th><th>n</th><th>rps med</th><th>min</th><th>max</th><th>rps/cpu-s med</th><th>min</th><th>max</th><th>p50 ms</th><th>p90 ms</th><th>p99 ms</th><th>cpu s</th><th>RSS kB</th><th>errors</th><th>rps/cpu vs HAProxy</th><th>rps vs HAProxy</th><th>rps vs direct</th><th>p99 vs HAProxy</th><th>p99 vs direct</th><th>RSS vs HAProxy</th><th>HAProxy row</th><th>note</th></tr>"
	for (r = 1; r <= nr; r++) {
		n = split(row[r], a, ",")
		printf "<tr>"
		for (i = 1; i <= n; i++) printf "%s", cell(a[i])
		print "</tr>"
	}
	print "</table>"
	print "<h2>Peers</h2><ul>"
	for (i = 1; i <= np; i++) {
		p = pname[i]
		printf "<li><b>%s</b>: %s%s</li>\n", esc(p), esc(m["mode_" p]), (m["reason_" p] != "" ? " &mdash; <span class=\"na\">not available: " esc(m["reason_" p]) "</span>" : "")
	}
	print "</ul>"
	printf "<p class=\"meta\">Produced by <code>%s</code>. Raw runs: perf/out/raw.csv; aggregate: perf/out/results.csv.</p></body></html>\n", esc(m["command"])
}
