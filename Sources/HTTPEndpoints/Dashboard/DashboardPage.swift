/// The dashboard: one page, no external assets. It reads `/api/v1/dashboard` every two seconds and derives rates
/// (queries per second, mean latency) from the difference between two readings of the cumulative counters, timed
/// by Junction's clock (`now_ms`).
enum DashboardPage {
    static let html = """
    <!doctype html>
    <html lang="en">
    <head>
    <meta charset="utf-8">
    <meta name="viewport" content="width=device-width, initial-scale=1">
    <title>Junction</title>
    <style>
    :root { --bg:#0f1419; --panel:#182028; --line:#2a3440; --text:#d8dee6; --dim:#8a96a3; --ok:#4cc38a; --warn:#e5b84b; --bad:#e5534b; --accent:#5aa9e6; }
    * { box-sizing:border-box; }
    body { margin:0; font:14px/1.4 system-ui, sans-serif; background:var(--bg); color:var(--text); }
    header { display:flex; align-items:baseline; gap:16px; padding:14px 20px; border-bottom:1px solid var(--line); }
    header h1 { margin:0; font-size:18px; }
    header .meta { color:var(--dim); }
    #state { margin-left:auto; color:var(--dim); }
    #state.stale { color:var(--bad); }
    main { padding:16px 20px; display:grid; gap:16px; grid-template-columns:repeat(auto-fit, minmax(420px, 1fr)); }
    .tiles { grid-column:1/-1; display:grid; gap:12px; grid-template-columns:repeat(auto-fit, minmax(150px, 1fr)); }
    .tile, section { background:var(--panel); border:1px solid var(--line); border-radius:6px; }
    .tile { padding:10px 14px; }
    .tile .label { color:var(--dim); font-size:12px; text-transform:uppercase; letter-spacing:.04em; }
    .tile .value { font-size:26px; font-variant-numeric:tabular-nums; }
    section { padding:10px 14px; overflow:auto; }
    section h2 { margin:0 0 8px; font-size:13px; color:var(--dim); text-transform:uppercase; letter-spacing:.04em; }
    table { width:100%; border-collapse:collapse; font-variant-numeric:tabular-nums; }
    th, td { text-align:left; padding:4px 8px 4px 0; border-bottom:1px solid var(--line); white-space:nowrap; }
    th { color:var(--dim); font-weight:normal; }
    td.num, th.num { text-align:right; }
    td.sql { white-space:normal; font-family:ui-monospace, monospace; font-size:12px; max-width:520px; word-break:break-all; }
    .ONLINE { color:var(--ok); } .SHUNNED, .OFFLINE_SOFT { color:var(--warn); } .OFFLINE_HARD { color:var(--bad); }
    .empty { color:var(--dim); }
    svg { width:100%; height:60px; display:block; }
    </style>
    </head>
    <body>
    <header><h1>Junction</h1><span class="meta" id="meta"></span><span id="state">connecting…</span></header>
    <main>
      <div class="tiles">
        <div class="tile"><div class="label">Clients</div><div class="value" id="clients">–</div></div>
        <div class="tile"><div class="label">Queries / s</div><div class="value" id="qps">–</div></div>
        <div class="tile"><div class="label">Mean latency</div><div class="value" id="latency">–</div></div>
        <div class="tile"><div class="label">Backend conns</div><div class="value" id="backends">–</div></div>
        <div class="tile"><div class="label">Questions</div><div class="value" id="questions">–</div></div>
        <div class="tile"><div class="label">Slow queries</div><div class="value" id="slow">–</div></div>
      </div>
      <section style="grid-column:1/-1"><h2>Queries per second <span id="peak"></span></h2><svg id="spark" viewBox="0 0 300 60" preserveAspectRatio="none"></svg></section>
      <section><h2>Backends by hostgroup</h2><table id="pool"></table></section>
      <section><h2>Latency by hostgroup</h2><table id="hglatency"></table></section>
      <section style="grid-column:1/-1"><h2>Top digests by total time</h2><table id="digests"></table></section>
      <section><h2>Cluster peers</h2><table id="peers"></table></section>
      <section><h2>Recent monitor errors</h2><table id="monitor"></table></section>
    </main>
    <script>
    "use strict";
    const REFRESH_MS = 2000;
    let previous = null;
    const history = [];
    const $ = id => document.getElementById(id);
    const esc = v => String(v ?? "").replace(/[&<>"]/g, c => ({"&":"&amp;","<":"&lt;",">":"&gt;","\\"":"&quot;"}[c]));
    const fmt = n => Number(n).toLocaleString("en-US", {maximumFractionDigits: 1});
    const us = v => v >= 1e6 ? fmt(v / 1e6) + " s" : v >= 1e3 ? fmt(v / 1e3) + " ms" : fmt(v) + " µs";
    function table(id, columns, rows, empty) {
      const head = "<tr>" + columns.map(c => `<th class="${c.num ? "num" : ""}">${esc(c.title)}</th>`).join("") + "</tr>";
      const body = rows.length ? rows.map(r => "<tr>" + columns.map(c => {
        const v = c.value(r);
        return `<td class="${c.num ? "num" : ""} ${c.cls ? esc(c.cls(r)) : ""}">${esc(v)}</td>`;
      }).join("") + "</tr>").join("") : `<tr><td class="empty" colspan="${columns.length}">${esc(empty)}</td></tr>`;
      $(id).innerHTML = head + body;
    }
    function spark() {
      const max = Math.max(1, ...history);
      const step = 300 / Math.max(1, history.length - 1);
      const points = history.map((v, i) => `${(i * step).toFixed(1)},${(58 - v / max * 54).toFixed(1)}`).join(" ");
      $("spark").innerHTML = `<polyline fill="none" stroke="#5aa9e6" stroke-width="2" vector-effect="non-scaling-stroke" points="${points}"/>`;
      $("peak").textContent = `· peak ${fmt(max)} over the last ${history.length} readings`;
    }
    function render(d) {
      const g = d.global;
      $("meta").textContent = `version ${d.version} · up ${fmt(g.ProxySQL_Uptime || 0)} s`;
      $("clients").textContent = fmt(g.Client_Connections_connected || 0);
      $("questions").textContent = fmt(g.Questions || 0);
      $("slow").textContent = fmt(g.Slow_queries || 0);
      $("backends").textContent = fmt(g.Server_Connections_connected || 0);
      const now = { at: d.now_ms, questions: g.Questions || 0, time: d.latency_total.time_us, count: d.latency_total.count };
      if (previous) {
        const seconds = Math.max(0.001, (now.at - previous.at) / 1000);
        const qps = Math.max(0, now.questions - previous.questions) / seconds;
        const count = now.count - previous.count;
        $("qps").textContent = fmt(qps);
        $("latency").textContent = count > 0 ? us((now.time - previous.time) / count) : "–";
        history.push(qps);
        if (history.length > 90) history.shift();
        spark();
      }
      previous = now;
      table("pool", [
        {title: "HG", value: r => r.hostgroup, num: true}, {title: "server", value: r => `${r.srv_host}:${r.srv_port}`},
        {title: "status", value: r => r.status, cls: r => r.status}, {title: "used", value: r => r.ConnUsed, num: true},
        {title: "free", value: r => r.ConnFree, num: true}, {title: "queries", value: r => fmt(r.Queries), num: true},
        {title: "ping", value: r => us(r.Latency_us), num: true}], d.pool, "no backends configured");
      table("hglatency", [
        {title: "HG", value: r => r.hostgroup, num: true}, {title: "queries", value: r => fmt(r.count), num: true},
        {title: "mean", value: r => r.count ? us(r.time_us / r.count) : "–", num: true},
        {title: "p99 ≤", value: r => r.p99_us == null ? "> 10 s" : us(r.p99_us), num: true}], d.hostgroups, "no queries yet");
      table("digests", [
        {title: "HG", value: r => r.hostgroup, num: true}, {title: "digest text", value: r => r.digest_text, cls: () => "sql"},
        {title: "count", value: r => fmt(r.count_star), num: true}, {title: "total", value: r => us(r.sum_time), num: true},
        {title: "mean", value: r => us(r.sum_time / Math.max(1, r.count_star)), num: true}], d.digests, "no queries yet");
      table("peers", [
        {title: "peer", value: r => `${r.hostname}:${r.port}`}, {title: "uptime", value: r => fmt(r.Uptime_s) + " s", num: true},
        {title: "response", value: r => r.response_time_ms + " ms", num: true},
        {title: "clients", value: r => fmt(r.Client_Connections_connected), num: true}], d.peers, "not in a cluster");
      table("monitor", [
        {title: "when", value: r => new Date(r.time_start_us / 1000).toLocaleTimeString()}, {title: "check", value: r => r.kind},
        {title: "server", value: r => `${r.hostname}:${r.port}`}, {title: "error", value: r => r.error, cls: () => "sql"}],
        d.monitor_errors, "no recent errors");
    }
    async function refresh() {
      try {
        // From the origin, not the page's address: a page opened as http://user:pass@host/ may not fetch URLs with credentials.
        const response = await fetch(new URL("api/v1/dashboard", location.origin + location.pathname), {cache: "no-store", credentials: "same-origin"});
        if (!response.ok) throw new Error("HTTP " + response.status);
        render(await response.json());
        $("state").textContent = "live · " + new Date().toLocaleTimeString();
        $("state").className = "";
      } catch (error) {
        $("state").textContent = "not updating: " + error.message;
        $("state").className = "stale";
      }
      setTimeout(refresh, REFRESH_MS);
    }
    refresh();
    </script>
    </body>
    </html>
    """
}
