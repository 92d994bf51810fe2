// kmig dashboard: polls /api/status (schema: docs/DASHBOARD.md) every 1.5 s,
// keeps the last 5 minutes of points in memory for the charts, and fills the
// tables. Stable hooks for tests: rows carry data-flow / data-topic /
// data-partition / data-group, cells data-field="NAME" with the raw number in
// data-value; <body data-updates="N" data-server-time-ms="MS"> tells which
// /api/status document the page shows.
"use strict";
(function () {
  var POLL_MS = 1500, KEEP_MS = 5 * 60 * 1000;
  var history = []; // {t, rate, lag, latency}
  var selected = null, updates = 0;

  function $(id) { return document.getElementById(id); }
  function fmt(n) {
    if (n === null || n === undefined) return "–";
    if (typeof n !== "number") return String(n);
    var a = Math.abs(n);
    if (a >= 1e9) return (n / 1e9).toFixed(2) + "G";
    if (a >= 1e6) return (n / 1e6).toFixed(2) + "M";
    if (a >= 1e4) return (n / 1e3).toFixed(1) + "k";
    return Number.isInteger(n) ? String(n) : n.toFixed(1);
  }
  function fmtBytes(n) {
    if (n === null || n === undefined) return "–";
    var u = ["B", "KiB", "MiB", "GiB", "TiB"], i = 0;
    while (n >= 1024 && i < u.length - 1) { n /= 1024; i++; }
    return (i ? n.toFixed(1) : String(n)) + " " + u[i];
  }
  function fmtEta(s) {
    if (s === null || s === undefined) return "–";
    if (s === 0) return "caught up";
    var h = Math.floor(s / 3600), m = Math.floor(s / 60) % 60, x = s % 60;
    return (h ? h + "h" : "") + (h || m ? m + "m" : "") + x + "s";
  }
  function fmtMs(ms) {
    if (ms === null || ms === undefined) return "–";
    if (ms < 1000) return ms + " ms";
    var s = ms / 1000;
    if (s < 60) return s.toFixed(1) + " s";
    if (s < 3600) return (s / 60).toFixed(1) + " min";
    if (s < 86400) return (s / 3600).toFixed(1) + " h";
    if (s < 365 * 86400) return (s / 86400).toFixed(1) + " d";
    return (s / (365.25 * 86400)).toFixed(1) + " y";
  }
  function cell(tr, field, value, text, cls) {
    var td = document.createElement("td");
    td.setAttribute("data-field", field);
    if (value !== null && value !== undefined) td.setAttribute("data-value", String(value));
    td.textContent = text === undefined ? fmt(value) : text;
    if (cls) td.className = cls;
    tr.appendChild(td);
    return td;
  }
  function fill(tbody, rows) {
    while (tbody.firstChild) tbody.removeChild(tbody.firstChild);
    rows.forEach(function (r) { tbody.appendChild(r); });
  }
  function figures(tr, o) {
    cell(tr, "state", o.state, o.state, "state-" + o.state);
  }

  // Draws the history of `key` as a line over the span of the points kept
  // (at least 10 s, at most KEEP_MS), newest on the right.
  function drawChart(svg, key, format) {
    var W = 600, H = 160, pad = 6;
    var pts = history.filter(function (p) { return p[key] !== null && p[key] !== undefined; });
    var now = history.length ? history[history.length - 1].t : Date.now();
    var span = pts.length ? Math.min(KEEP_MS, Math.max(10000, now - pts[0].t)) : KEEP_MS;
    var max = 0;
    pts.forEach(function (p) { if (p[key] > max) max = p[key]; });
    max = max > 0 ? max * 1.1 : 1;
    var parts = [];
    for (var g = 1; g < 4; g++) {
      var y = (H * g / 4).toFixed(1);
      parts.push('<line class="grid" x1="0" x2="' + W + '" y1="' + y + '" y2="' + y + '"/>');
    }
    function X(p) { return (W - (now - p.t) / span * W).toFixed(1); }
    function Y(p) { return (H - pad - (p[key] / max) * (H - 2 * pad)).toFixed(1); }
    if (pts.length > 1) {
      var d = pts.map(function (p, i) { return (i ? "L" : "M") + X(p) + " " + Y(p); }).join(" ");
      parts.push('<path class="area" d="' + d + " L" + W + " " + H + " L" + X(pts[0]) + " " + H + ' Z"/>');
      parts.push('<path class="line" d="' + d + '"/>');
    } else if (pts.length === 1) {
      parts.push('<circle class="dot" cx="' + X(pts[0]) + '" cy="' + Y(pts[0]) + '" r="3"/>');
    }
    parts.push('<text x="4" y="12">' + (format || fmt)(max) + '</text>');
    parts.push('<text x="' + (W - 4) + '" y="' + (H - 4) + '" text-anchor="end">last ' +
               Math.round(span / 1000) + " s</text>");
    svg.innerHTML = parts.join("");
    svg.setAttribute("data-points", String(pts.length));
  }

  function render(st) {
    var f = st.flows[0] || {};
    $("flow-name").textContent = (f.source || "?") + " → " + (f.target || "?");
    $("server-time").textContent = st.server_time;
    $("server-time").setAttribute("datetime", st.server_time);
    document.body.setAttribute("data-server-time-ms", String(st.server_time_ms));

    fill($("flows").tBodies[0], st.flows.map(function (fl) {
      var tr = document.createElement("tr");
      tr.setAttribute("data-flow", fl.source + "->" + fl.target);
      cell(tr, "flow", null, fl.source + " → " + fl.target);
      figures(tr, fl);
      cell(tr, "records", fl.records);
      cell(tr, "bytes", fl.bytes, fmtBytes(fl.bytes));
      cell(tr, "lag", fl.lag);
      cell(tr, "rate_records_per_s", fl.rate_records_per_s);
      cell(tr, "eta_s", fl.eta_s, fmtEta(fl.eta_s));
      cell(tr, "latency_p99_ms", fl.latency_p99_ms, fmtMs(fl.latency_p99_ms));
      cell(tr, "heartbeat_latency_last_ms", fl.heartbeat_latency_last_ms,
           fmtMs(fl.heartbeat_latency_last_ms));
      cell(tr, "lost", fl.lost, undefined, fl.lost ? "bad" : "");
      cell(tr, "foreign_records", fl.foreign_records, undefined, fl.foreign_records ? "bad" : "");
      Array.prototype.forEach.call(tr.children, function (td, i) { if (i > 1) td.className += " n"; });
      return tr;
    }));

    fill($("topics").tBodies[0], st.topics.map(function (t) {
      var tr = document.createElement("tr");
      tr.setAttribute("data-topic", t.topic);
      tr.tabIndex = 0;
      if (t.topic === selected) tr.className = "selected";
      cell(tr, "topic", null, t.topic === t.target_topic ? t.topic : t.topic + " → " + t.target_topic);
      figures(tr, t);
      cell(tr, "partitions", t.partitions);
      cell(tr, "records", t.records);
      cell(tr, "lag", t.lag);
      cell(tr, "rate_records_per_s", t.rate_records_per_s);
      cell(tr, "eta_s", t.eta_s, fmtEta(t.eta_s));
      cell(tr, "latency_p99_ms", t.latency_p99_ms, fmtMs(t.latency_p99_ms));
      cell(tr, "lost", t.lost, undefined, t.lost ? "bad" : "");
      cell(tr, "foreign_records", t.foreign_records, undefined, t.foreign_records ? "bad" : "");
      Array.prototype.forEach.call(tr.children, function (td, i) { if (i > 1) td.className += " n"; });
      tr.addEventListener("click", function () { select(t.topic); });
      tr.addEventListener("keydown", function (e) { if (e.key === "Enter") select(t.topic); });
      return tr;
    }));

    var ul = $("warnings");
    while (ul.firstChild) ul.removeChild(ul.firstChild);
    st.warnings.forEach(function (w) {
      var li = document.createElement("li");
      li.className = "sev-" + w.severity;
      li.setAttribute("data-kind", w.kind);
      if (w.topic !== null) li.setAttribute("data-topic", w.topic);
      if (w.partition !== null) li.setAttribute("data-partition", String(w.partition));
      if (w.group !== null) li.setAttribute("data-group", w.group);
      var where = [w.group, w.topic, w.partition === null ? null : "p" + w.partition]
        .filter(function (x) { return x !== null; }).join(" ");
      li.textContent = w.kind + (where ? " [" + where + "]" : "") +
        (w.records !== null ? ": " + w.records + " records" : "") + " — " + w.message;
      ul.appendChild(li);
    });
    if (!st.warnings.length) {
      var ok = document.createElement("li");
      ok.className = "none";
      ok.textContent = "none";
      ul.appendChild(ok);
    }
    $("warnings-count").textContent = String(st.warnings.length);
    $("warnings-count").setAttribute("data-value", String(st.warnings.length));

    var g = st.groups, rows = [];
    $("groups-note").textContent = !g.enabled ? "group offset sync is off for this flow" :
      g.last_pass_time_ms === null ? "waiting for the first checkpoint pass" :
      "last pass " + new Date(g.last_pass_time_ms).toISOString() + "; translations are exact or pending, never guessed";
    g.list.forEach(function (grp) {
      grp.partitions.forEach(function (p) {
        var tr = document.createElement("tr");
        tr.setAttribute("data-group", grp.group);
        if (p.topic !== null) tr.setAttribute("data-topic", p.topic);
        if (p.partition !== null) tr.setAttribute("data-partition", String(p.partition));
        cell(tr, "group", null, grp.group);
        cell(tr, "topic", null, p.topic === null ? "–" : p.topic);
        cell(tr, "partition", p.partition, undefined, "n");
        cell(tr, "source_offset", p.source_offset, undefined, "n");
        cell(tr, "translation", null, p.translation);
        cell(tr, "target_offset", p.target_offset, undefined, "n");
        cell(tr, "target_committed", p.target_committed, undefined, "n");
        cell(tr, "status", null, p.status,
             p.status === "failed" || p.status === "active-on-target" ? "bad" :
             p.status === "written" || p.status === "up-to-date" ? "ok" : "");
        rows.push(tr);
      });
    });
    fill($("groups").tBodies[0], rows);

    var t = Date.now(); // the page's clock: the points' spacing is the polling's
    renderVerify(st.verification);
    renderCutover(st.cutover);

    // "How far behind now": the last heartbeat's trip when heartbeats run, else
    // the mean record latency of the last half second.
    var behind = f.heartbeat_latency_last_ms != null ? f.heartbeat_latency_last_ms : f.latency_avg_ms;
    history.push({ t: t, rate: f.rate_records_per_s, lag: f.lag, latency: behind });
    while (history.length && history[0].t < t - KEEP_MS) history.shift();
    drawChart($("chart-rate"), "rate");
    drawChart($("chart-lag"), "lag");
    drawChart($("chart-latency"), "latency", fmtMs);
    $("chart-rate-now").textContent = fmt(f.rate_records_per_s);
    $("chart-lag-now").textContent = fmt(f.lag);
    $("chart-latency-now").textContent = fmtMs(behind);
    updates++;
    document.body.setAttribute("data-updates", String(updates));
  }

  // The cutover board (kmig mirror --services FILE): the same facts and states as
  // `kmig cutover status --json`. A fact is yes, no or unknown (null).
  function factCell(tr, field, v) {
    return cell(tr, field, v === null || v === undefined ? "null" : String(v),
                v === true ? "yes" : v === false ? "no" : "unknown",
                v === null || v === undefined ? "bad" : "");
  }
  function renderCutover(c) {
    var panel = $("cutover-panel");
    panel.hidden = !c;
    if (!c) return;
    var dr = $("cutover-drained");
    dr.textContent = c.drained ? "drained: safe to stop mirroring" : "not drained";
    dr.className = "pill " + (c.drained ? "ok" : "");
    dr.setAttribute("data-value", String(c.drained));
    $("cutover-note").textContent = (c.drained ? "" : c.reason + ". ") + "Services from " +
      c.services_file + "; source written = end offsets moved over the last " +
      (c.quiet_s === null ? "5 s (not measured yet)" : c.quiet_s.toFixed(1) + " s") + "; members read " + (c.members_read_ms ? new Date(c.members_read_ms).toISOString() : "not yet") +
      ". Unknown is never ready.";
    fill($("cutover-services").tBodies[0], c.services.map(function (s) {
      var tr = document.createElement("tr");
      tr.setAttribute("data-service", s.service);
      cell(tr, "service", null, s.service);
      cell(tr, "state", s.state, s.state, "state-" + s.state);
      cell(tr, "reason", null, s.reason || "");
      return tr;
    }));
    fill($("cutover-groups").tBodies[0], c.groups.map(function (g) {
      var tr = document.createElement("tr");
      tr.setAttribute("data-group", g.group);
      cell(tr, "group", null, g.group);
      cell(tr, "service", null, g.service || "–");
      cell(tr, "source_members", g.source_members, g.source_members === null ? "unknown" : undefined,
           g.source_members === null ? "n bad" : "n");
      cell(tr, "target_members", g.target_members, g.target_members === null ? "unknown" : undefined,
           g.target_members === null ? "n bad" : "n");
      factCell(tr, "translated", g.translated);
      factCell(tr, "committed_on_target", g.committed_on_target);
      cell(tr, "state", g.state, g.state, "state-" + g.state);
      cell(tr, "reason", null, g.reason || "");
      return tr;
    }));
    fill($("cutover-topics").tBodies[0], c.topics.map(function (tp) {
      var tr = document.createElement("tr");
      tr.setAttribute("data-topic", tp.topic);
      cell(tr, "topic", null, tp.topic);
      cell(tr, "selected", String(tp.selected), tp.selected ? "yes" : "NO", tp.selected ? "" : "bad");
      factCell(tr, "source_written", tp.source_written);
      factCell(tr, "copied", tp.copied);
      cell(tr, "lag", tp.lag, undefined, "n");
      factCell(tr, "foreign_writes", tp.foreign_writes);
      cell(tr, "reason", null, tp.reason || "");
      return tr;
    }));
  }

  // The last `kmig verify --json` (--verify-json), when the mirror was given one.
  function renderVerify(v) {
    var panel = $("verify-panel");
    panel.hidden = !v;
    if (!v) return;
    var res = $("verify-result");
    res.textContent = v.result === null ? "no result" : v.result;
    res.className = "pill " + (v.result === "ok" ? "ok" : "bad");
    res.setAttribute("data-value", String(v.result));
    var s = v.summary;
    $("verify-note").textContent = v.result === null ? "waiting for " + v.file :
      v.file + " (" + new Date(v.file_time_ms).toISOString() + "): " +
      (s ? s.matched + " records matched in " + s.partitions + " partitions, " +
           s.partitions_differ + " differ, " + s.partitions_error + " unreadable; groups " +
           s.groups_ok + "/" + s.groups + " ok" : "");
    fill($("verify").tBodies[0], v.partitions_not_ok.map(function (p) {
      var tr = document.createElement("tr");
      tr.setAttribute("data-topic", p.topic);
      tr.setAttribute("data-partition", String(p.partition));
      cell(tr, "topic", null, p.topic);
      cell(tr, "partition", p.partition, undefined, "n");
      cell(tr, "status", null, p.status, "bad");
      ["matched", "missing", "different", "extra", "foreign"].forEach(function (k) {
        cell(tr, k, p[k], undefined, "n");
      });
      var m = p.first_mismatch;
      cell(tr, "first_mismatch", null, m ? m.kind + " at source " + m.source_offset +
           " / target " + m.target_offset : (p.error || "–"));
      return tr;
    }));
  }

  function renderPartitions(doc) {
    fill($("partitions").tBodies[0], doc.partitions.map(function (p) {
      var tr = document.createElement("tr");
      tr.setAttribute("data-topic", p.topic);
      tr.setAttribute("data-partition", String(p.partition));
      cell(tr, "partition", p.partition, undefined, "n");
      cell(tr, "state", p.state, p.state, "state-" + p.state);
      cell(tr, "records", p.records, undefined, "n");
      cell(tr, "lag", p.lag, undefined, "n");
      cell(tr, "source_end", p.source_end, undefined, "n");
      cell(tr, "target_next", p.target_next, undefined, "n");
      cell(tr, "rate_records_per_s", p.rate_records_per_s, undefined, "n");
      cell(tr, "latency_max_ms", p.latency_max_ms, fmtMs(p.latency_max_ms), "n");
      cell(tr, "lost", p.lost, undefined, p.lost ? "n bad" : "n");
      cell(tr, "foreign_records", p.foreign_records, undefined, p.foreign_records ? "n bad" : "n");
      return tr;
    }));
  }

  function loadPartitions() {
    if (selected === null) return;
    var want = selected;
    fetch("/api/partitions?topic=" + encodeURIComponent(want), { cache: "no-store" })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (doc) { if (doc && want === selected) renderPartitions(doc); })
      .catch(function () {});
  }

  function select(topic) {
    selected = topic;
    $("partitions-topic").textContent = topic;
    $("partitions-panel").hidden = false;
    $("partitions-panel").setAttribute("data-topic", topic);
    Array.prototype.forEach.call($("topics").tBodies[0].rows, function (tr) {
      tr.className = tr.getAttribute("data-topic") === topic ? "selected" : "";
    });
    loadPartitions();
  }
  $("partitions-close").addEventListener("click", function () {
    selected = null;
    $("partitions-panel").hidden = true;
  });

  function poll() {
    fetch("/api/status", { cache: "no-store" })
      .then(function (r) { if (!r.ok) throw new Error(r.status); return r.json(); })
      .then(function (st) {
        $("conn").textContent = "live";
        $("conn").className = "pill ok";
        render(st);
        loadPartitions();
      })
      .catch(function () {
        $("conn").textContent = "disconnected";
        $("conn").className = "pill bad";
      })
      .then(function () { setTimeout(poll, POLL_MS); });
  }
  var q = new URLSearchParams(location.search).get("topic");
  if (q) select(q);
  poll();
})();
