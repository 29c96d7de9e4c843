// Hubble UI for CiliumL7: a live service map and flow table fed by /api/flows (server-sent events
// carrying Hubble's flow JSON). Plain JS, no dependencies, everything served from the binary.
"use strict";

const MAX_FLOWS = 5000;      // flows kept in memory (oldest dropped first)
const MAX_ROWS = 500;        // rows rendered in the table
const flows = [];
const seen = new Set();
const namespaces = new Set();
let selected = null;
let workloadSelected = null;
let dirty = false;

const $ = (id) => document.getElementById(id);
const el = (name, attrs, text) => {
  const e = document.createElementNS(name === "tr" || name === "td" ? "http://www.w3.org/1999/xhtml" : "http://www.w3.org/2000/svg", name);
  for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, v);
  if (text !== undefined) e.textContent = text;
  return e;
};

// ---- reading a flow -------------------------------------------------------------------------

// The feed is Hubble's JSON export (proto field names: pod_name, source_port, event_type); the code
// below reads lowerCamelCase (protobuf's JSON names), so either spelling works.
function camelKeys(v) {
  if (Array.isArray(v)) return v.map(camelKeys);
  if (v === null || typeof v !== "object") return v;
  const out = {};
  for (const [k, x] of Object.entries(v)) out[k.replace(/_([a-z0-9])/g, (_, c) => c.toUpperCase())] = camelKeys(x);
  return out;
}

const RESERVED = { 1: "host", 2: "world", 3: "unmanaged", 4: "health", 5: "init", 6: "remote-node", 7: "kube-apiserver", 8: "ingress" };

// The workload of an endpoint: a deployment's pod name without its replica-set and pod suffixes.
function workload(ep, ip) {
  if (!ep || !ep.podName) {
    const id = ep && ep.identity;
    if (id === 1) return { id: "host", label: "host", ns: "", kind: "host" };
    if (RESERVED[id] && id !== 2) return { id: "reserved:" + RESERVED[id], label: RESERVED[id], ns: "", kind: "host" };
    return { id: "world", label: "world", ns: "", kind: "world", ip };
  }
  const name = ep.podName.replace(/-[a-z0-9]{8,10}-[a-z0-9]{5}$/, "");
  // The labels a policy selects it by (not the namespace: the policy's own namespace says it).
  const labels = (ep.labels || []).filter((l) => !l.includes("io.kubernetes.pod.namespace") && !l.includes("io.cilium.k8s.policy."));
  return { id: (ep.namespace || "") + "/" + name, label: name, ns: ep.namespace || "", kind: "pod", labels };
}

function protocol(f) {
  if (f.l7 && f.l7.http) return "http";
  if (f.l7 && f.l7.dns) return "dns";
  if (f.l7 && f.l7.kafka) return "kafka";
  const l4 = f.l4 || {};
  if (l4.TCP) return "tcp";
  if (l4.UDP) return "udp";
  if (l4.ICMPv4 || l4.ICMPv6) return "icmp";
  return "";
}

function ports(f) {
  const l4 = f.l4 || {};
  const p = l4.TCP || l4.UDP;
  return p ? { src: p.sourcePort || 0, dst: p.destinationPort || 0, proto: l4.TCP ? "TCP" : "UDP" } : null;
}

function typeName(f) {
  const t = f.eventType && f.eventType.type;
  if (f.l7) {
    const kind = f.l7.http ? "http" : f.l7.dns ? "dns" : f.l7.kafka ? "kafka" : "l7";
    return kind + "-" + (f.l7.type === "RESPONSE" ? "response" : "request");
  }
  return { 1: "drop", 4: "trace", 5: "policy-verdict", 9: "capture", 129: "l7" }[t] || "L3/L4";
}

function l7Summary(f) {
  const h = f.l7 && f.l7.http;
  if (h) return (f.l7.type === "RESPONSE" ? (h.code || "") + " " : "") + (h.method || "") + " " + (h.url || "");
  const d = f.l7 && f.l7.dns;
  if (d) return "DNS " + (d.query || "") + (d.rcode ? " rcode " + d.rcode : "");
  const k = f.l7 && f.l7.kafka;
  if (k) return "Kafka " + (k.apiKey || "") + " " + (k.topic || "");
  return "";
}

function policyName(f) {
  for (const key of ["ingressDeniedBy", "egressDeniedBy", "ingressAllowedBy", "egressAllowedBy"]) {
    const list = f[key];
    if (list && list.length) return (list[0].namespace ? list[0].namespace + "/" : "") + list[0].name;
  }
  return "";
}

function podName(ep, ip) {
  if (ep && ep.podName) return (ep.namespace ? ep.namespace + "/" : "") + ep.podName;
  return ip || (ep && RESERVED[ep.identity]) || "";
}

function peers(f) {
  const ip = f.IP || {};
  return { src: podName(f.source, ip.source), dst: podName(f.destination, ip.destination) };
}

// ---- filters --------------------------------------------------------------------------------

function matches(f) {
  const ns = $("ns").value;
  if (ns && (f.source || {}).namespace !== ns && (f.destination || {}).namespace !== ns) return false;
  const verdict = $("f-verdict").value;
  if (verdict && f.verdict !== verdict) return false;
  const pod = $("f-pod").value.trim();
  if (pod) {
    const p = peers(f);
    if (!p.src.includes(pod) && !p.dst.includes(pod)) return false;
  }
  const proto = $("f-proto").value;
  if (proto && protocol(f) !== proto) return false;
  const status = $("f-status").value.trim().toLowerCase().replace(/x+$/, "");
  if (status) {
    const code = f.l7 && f.l7.http && f.l7.http.code;
    if (!code || !String(code).startsWith(status)) return false;
  }
  return true;
}

// ---- the service map ------------------------------------------------------------------------

function buildGraph(list) {
  const nodes = new Map();
  const edges = new Map();
  for (const f of list) {
    let src = workload(f.source, (f.IP || {}).source);
    let dst = workload(f.destination, (f.IP || {}).destination);
    const p = ports(f);
    let serverPort = p ? p.dst : 0;
    if (f.isReply === true) { [src, dst] = [dst, src]; serverPort = p ? p.src : 0; }
    if (src.id === dst.id && src.kind !== "pod") continue;
    nodes.set(src.id, src);
    nodes.set(dst.id, dst);
    const key = src.id + "->" + dst.id;
    let e = edges.get(key);
    if (!e) { e = { key, src: src.id, dst: dst.id, allowed: 0, denied: 0, audited: 0, items: new Map() }; edges.set(key, e); }
    const http = f.l7 && f.l7.http;
    if (http) {
      if (f.l7.type === "RESPONSE") continue; // the request flow carries the verdict
      let path = http.url || "";
      try { path = new URL(http.url).pathname; } catch (_) { /* keep the raw url */ }
      const item = (http.method || "?") + " " + path;
      mark(e, item, f.verdict === "DROPPED" ? "denied" : f.verdict === "AUDIT" ? "audited" : "allowed");
      continue;
    }
    if (f.verdict === "DROPPED") { mark(e, p ? serverPort + "/" + p.proto : "L3", "denied"); continue; }
    // AUDIT: let through, but an audited policy would have dropped it.
    if (f.verdict === "AUDIT" && !f.l7) { mark(e, p ? serverPort + "/" + p.proto : "L3", "audited"); continue; }
    if (f.verdict === "FORWARDED" || f.verdict === "REDIRECTED") { if (p) mark(e, serverPort + "/" + p.proto, "allowed"); }
  }
  for (const e of edges.values()) if (e.allowed === 0 && e.denied === 0 && e.audited === 0) edges.delete(e.key);
  return { nodes, edges };
}

// kind: "allowed", "denied" or "audited" (passed; an audited policy would have denied it).
function mark(e, item, kind) {
  const prev = e.items.get(item) || { allowed: 0, denied: 0, audited: 0 };
  prev[kind]++;
  e[kind]++;
  e.items.set(item, prev);
}

function renderMap(list) {
  const svg = $("map");
  const { nodes, edges } = buildGraph(list);
  const w = svg.clientWidth || 900, h = svg.clientHeight || 400;
  svg.setAttribute("viewBox", `0 0 ${w} ${h}`);
  svg.replaceChildren();
  const defs = el("defs");
  for (const [cls, color] of [["allowed", "#16a34a"], ["denied", "#dc2626"], ["mixed", "#d97706"], ["audited", "#7c3aed"]]) {
    const m = el("marker", { id: "arrow-" + cls, viewBox: "0 0 10 10", refX: "10", refY: "5", markerWidth: "7", markerHeight: "7", orient: "auto-start-reverse" });
    m.appendChild(el("path", { d: "M 0 0 L 10 5 L 0 10 z", fill: color }));
    defs.appendChild(m);
  }
  svg.appendChild(defs);
  // Layout: clients (only sources) on the left, servers on the right, world and host at the far right / bottom.
  const ids = [...nodes.keys()].sort();
  const isDst = new Set([...edges.values()].map((e) => e.dst));
  const isSrc = new Set([...edges.values()].map((e) => e.src));
  const columns = [[], [], []];
  for (const id of ids) {
    const n = nodes.get(id);
    if (n.kind !== "pod") columns[2].push(id);
    else if (isSrc.has(id) && !isDst.has(id)) columns[0].push(id);
    else columns[1].push(id);
  }
  const pos = new Map();
  const xs = [w * 0.13, w * 0.62, w * 0.9];
  columns.forEach((col, c) => col.forEach((id, i) => pos.set(id, { x: xs[c], y: (h / (col.length + 1)) * (i + 1) })));
  const NW = 150, NH = 40;
  const gEdges = el("g"), gLabels = el("g"), gNodes = el("g");
  for (const e of edges.values()) {
    const a = pos.get(e.src), b = pos.get(e.dst);
    if (!a || !b) continue;
    // Audited traffic passed, so it counts as allowed for the colour; the edge is drawn dashed violet.
    const passed = e.allowed + e.audited;
    const cls = e.denied && passed ? "mixed" : e.denied ? "denied" : "allowed";
    const g = el("g", { class: "edge " + cls + (e.audited ? " audited" : ""), "data-edge": e.key, "data-verdict": cls, "data-audited": e.audited ? "true" : "false" });
    const dx = b.x - a.x, dy = b.y - a.y, len = Math.hypot(dx, dy) || 1;
    const ex = (v, d) => v - (d / len) * (Math.abs(d / len) > 0.7 ? NW / 2 + 4 : NH / 2 + 4);
    g.appendChild(el("line", { x1: a.x + (dx / len) * (NW / 2), y1: a.y + (dy / len) * (NH / 2), x2: ex(b.x, dx), y2: b.y - (dy / len) * (NH / 2 + 4), "marker-end": `url(#arrow-${e.audited ? "audited" : cls})` }));
    gEdges.appendChild(g);
    const lines = [...e.items.entries()].sort();
    const lx = a.x + dx * 0.5, ly = a.y + dy * 0.5 - (lines.length * 14) / 2;
    const lg = el("g", { class: "edge-label", "data-edge-label": e.key });
    const width = Math.max(...lines.map(([k]) => k.length)) * 6.8 + 30;
    lg.appendChild(el("rect", { x: lx - width / 2, y: ly - 12, width, height: lines.length * 14 + 8 }));
    lines.forEach(([item, c], i) => {
      const passed = c.allowed + c.audited;
      const denied = c.denied > 0 && passed === 0;
      const mixed = c.denied > 0 && passed > 0;
      const audited = !denied && !mixed && c.audited > 0;
      const verdict = denied ? "denied" : mixed ? "mixed" : audited ? "audited" : "allowed";
      const t = el("text", { x: lx - width / 2 + 6, y: ly + i * 14, class: "item " + (denied || mixed ? "denied" : audited ? "audited" : "allowed"), "data-item": item, "data-verdict": verdict },
        (denied ? "✗ " : mixed ? "± " : audited ? "⚠ " : "✓ ") + item);
      lg.appendChild(t);
    });
    gLabels.appendChild(lg);
  }
  for (const id of ids) {
    const n = nodes.get(id), p = pos.get(id);
    const g = el("g", { class: "node " + n.kind + (workloadSelected && workloadSelected.id === id ? " selected" : ""), "data-node": id, transform: `translate(${p.x - NW / 2},${p.y - NH / 2})` });
    if (n.kind === "pod") g.addEventListener("click", () => showWorkload(n));
    g.appendChild(el("rect", { width: NW, height: NH }));
    g.appendChild(el("text", { x: 10, y: n.ns ? 17 : 25 }, n.label));
    if (n.ns) g.appendChild(el("text", { x: 10, y: 31, class: "ns" }, n.ns));
    gNodes.appendChild(g);
  }
  svg.append(gEdges, gNodes, gLabels);
}

// ---- the flow table -------------------------------------------------------------------------

function renderTable(list) {
  const body = $("flows").tBodies[0];
  const rows = [];
  for (let i = list.length - 1; i >= 0 && rows.length < MAX_ROWS; i--) {
    const f = list[i];
    const p = peers(f);
    const tr = el("tr", { "data-verdict": f.verdict || "", "data-uuid": f.uuid || "" });
    const cells = [
      (f.time || "").replace("T", " ").replace(/\.(\d{3})\d*Z$/, ".$1"),
      p.src + (ports(f) ? ":" + ports(f).src : ""),
      p.dst + (ports(f) ? ":" + ports(f).dst : ""),
      f.verdict || "",
      typeName(f),
      l7Summary(f),
      f.verdict === "DROPPED" && f.dropReasonDesc ? f.dropReasonDesc : "",
      policyName(f),
    ];
    cells.forEach((c, j) => tr.appendChild(el("td", j === 3 ? { class: "v-" + c } : {}, String(c))));
    tr.addEventListener("click", () => showDetail(f, tr));
    if (selected === f) tr.classList.add("selected");
    rows.push(tr);
  }
  body.replaceChildren(...rows);
}

function showDetail(f, tr) {
  selected = f;
  workloadSelected = null;
  $("detail-title").textContent = "Flow";
  $("detail-actions").hidden = true;
  for (const r of $("flows").querySelectorAll("tr.selected")) r.classList.remove("selected");
  if (tr) tr.classList.add("selected");
  $("detail").textContent = JSON.stringify(f.raw || f, null, 2); // as Hubble's JSON export spells it
  $("detail-pane").hidden = false;
}

// ---- generate a policy for a workload (the same generator as `ciliuml7 policy generate --from-flows --verify`)

function showWorkload(n) {
  workloadSelected = n;
  selected = null;
  $("detail-title").textContent = "Workload " + n.id;
  $("detail-actions").hidden = false;
  $("gen-status").textContent = "";
  $("gen-status").className = "";
  $("detail").textContent = "labels:\n  " + (n.labels.length ? n.labels.join("\n  ") : "(none seen)") +
    "\n\nGenerate policy: a least-privilege CiliumNetworkPolicy from the flows the agent holds for it (L7 included), replayed to check it.";
  $("detail-pane").hidden = false;
  dirty = true;
  render();
}

async function generatePolicy() {
  const n = workloadSelected;
  if (!n) return;
  const q = new URLSearchParams({ namespace: n.ns, selector: n.labels.join(","), l7: $("gen-l7").checked ? "true" : "false" });
  $("gen-status").textContent = "generating…";
  $("gen-status").className = "";
  try {
    const r = await fetch("/api/generate?" + q.toString());
    const body = await r.json();
    if (!r.ok) { $("gen-status").textContent = body.error || ("HTTP " + r.status); $("gen-status").className = "error"; return; }
    $("gen-status").textContent = `${body.policies} policy(ies) from ${body.flows} flow(s); verify ${body.verified ? "ok" : "FAILED"}`;
    $("detail").textContent = body.yaml + "\n# " + body.verify.join("\n# ");
  } catch (err) {
    $("gen-status").textContent = "cannot generate: " + err;
    $("gen-status").className = "error";
  }
}

function render() {
  if (!dirty) return;
  dirty = false;
  const list = flows.filter(matches);
  renderMap(list);
  renderTable(list);
  $("count").textContent = `${list.length} of ${flows.length} flows`;
}

// ---- the live feed --------------------------------------------------------------------------

function addFlow(f) {
  if (f.uuid) { if (seen.has(f.uuid)) return; seen.add(f.uuid); }
  flows.push(f);
  if (flows.length > MAX_FLOWS) { const old = flows.shift(); if (old.uuid) seen.delete(old.uuid); }
  for (const ep of [f.source, f.destination]) {
    if (ep && ep.namespace && !namespaces.has(ep.namespace)) {
      namespaces.add(ep.namespace);
      const select = $("ns");
      const values = [...namespaces].sort();
      const current = select.value;
      select.replaceChildren(new Option("all namespaces", ""), ...values.map((v) => new Option(v, v)));
      select.value = current;
    }
  }
  dirty = true;
}

function connect() {
  const source = new EventSource("/api/flows");
  source.onopen = () => { $("status").textContent = "live"; $("status").className = "status live"; };
  source.onmessage = (m) => {
    try {
      const raw = JSON.parse(m.data), line = camelKeys(raw);
      if (line.flow) { Object.defineProperty(line.flow, "raw", { value: raw.flow }); addFlow(line.flow); }
    } catch (_) { /* not a flow */ }
  };
  source.addEventListener("error", (m) => {
    $("status").textContent = m.data ? m.data : "disconnected, retrying…";
    $("status").className = "status error";
  });
}

for (const id of ["ns", "f-verdict", "f-pod", "f-proto", "f-status"]) {
  $(id).addEventListener("input", () => { dirty = true; render(); });
  $(id).addEventListener("change", () => { dirty = true; render(); });
}
$("f-clear").addEventListener("click", () => { for (const id of ["f-verdict", "f-pod", "f-proto", "f-status"]) $(id).value = ""; dirty = true; render(); });
$("detail-close").addEventListener("click", () => { $("detail-pane").hidden = true; selected = null; workloadSelected = null; dirty = true; });
$("gen-policy").addEventListener("click", generatePolicy);
window.addEventListener("resize", () => { dirty = true; render(); });
setInterval(render, 300);
connect();
