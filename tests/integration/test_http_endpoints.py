"""Junction's HTTP side as its users reach it: Prometheus scraping `/metrics` (parsed by prometheus_client), the REST
API's JSON endpoints and `/sync` scripts (with and without credentials), the dashboard loaded in headless Chromium,
and the listeners following LOAD ADMIN VARIABLES TO RUNTIME.

One Junction of this module's own: the lab's primary in hostgroup 0, a replica in hostgroup 1, a rule sending
SELECTs to the replica; REST API on REST_PORT, dashboard on WEB_PORT.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import time
from pathlib import Path

import pymysql
import pytest
import requests
from prometheus_client.parser import text_string_to_metric_families

from admin_helpers import Admin, JunctionProcess, proxy_login
from conftest import DIRECT, HOST, LAB_PORT, wait_until

pytestmark = [pytest.mark.skipif(DIRECT, reason="about Junction's HTTP endpoints"), pytest.mark.proxy_only]

ADMIN_PORT, PROXY_PORT, REST_PORT, WEB_PORT = 18432, 18433, 18470, 18480
PRIMARY, REPLICA = LAB_PORT, LAB_PORT + 1
STATS = ("stats", "stats")
ADMIN = ("admin", "admin")
PROXYSQL_SAMPLE = Path(__file__).resolve().parents[2] / "docs" / "notes" / "proxysql-2.7.1-metrics-sample.txt"


@pytest.fixture(scope="module")
def junction(tmp_path_factory, lab):
    j = JunctionProcess(tmp_path_factory.mktemp("http"), ADMIN_PORT, PROXY_PORT)
    j.write_config(
        servers=[(0, PRIMARY), (1, REPLICA)],
        admin_variables=f'stats_credentials="stats:stats" restapi_enabled=true restapi_port={REST_PORT} '
                        f'web_enabled=true web_port={WEB_PORT}',
        sections='mysql_query_rules = ( { rule_id=1 active=1 match_digest="^SELECT" destination_hostgroup=1 apply=1 } )\n')
    j.start()
    wait_until(lambda: _get(f"http://{HOST}:{REST_PORT}/metrics") is not None, timeout=20, what="the REST API")
    yield j
    rc = j.stop()
    assert rc == 0, f"junction exited with {rc}:\n{j.log()}"


def _get(url, **kw):
    try:
        return requests.get(url, timeout=10, **kw)
    except requests.ConnectionError:
        return None


def scrape() -> dict:
    """`/metrics` parsed by Prometheus's own parser: family name → family."""
    response = requests.get(f"http://{HOST}:{REST_PORT}/metrics", timeout=10)
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/plain")
    return {family.name: family for family in text_string_to_metric_families(response.text)}


def value(families: dict, name: str, sample_name: str | None = None, **labels) -> float:
    """The one sample of `name` (a family name as prometheus_client reports it) with these labels."""
    family = families[name]
    found = [s.value for s in family.samples
             if (sample_name is None or s.name == sample_name) and all(s.labels.get(k) == v for k, v in labels.items())]
    assert len(found) == 1, f"{name}{labels}: {found} among {family.samples[:6]}"
    return found[0]


def series_exists(families: dict, name: str, **labels) -> bool:
    """A series appears with its first observation (a histogram of a server with no query yet has none)."""
    return any(all(s.labels.get(k) == v for k, v in labels.items()) for s in families.get(name, type("", (), {"samples": []})).samples)


def send_traffic(reads: int, writes: int, marker: str) -> None:
    c = proxy_login(PROXY_PORT, "app", "app")
    try:
        with c.cursor() as cur:
            for i in range(reads):
                cur.execute(f"SELECT {i} AS {marker}")
                cur.fetchall()
            for _ in range(writes):
                cur.execute("DO 1")
    finally:
        c.close()


# ---------------------------------------------------------------- /metrics


def test_metrics_parse_and_move_with_traffic(junction):
    before = scrape()
    send_traffic(reads=30, writes=4, marker="metrics_probe")
    held = [proxy_login(PROXY_PORT, "app", "app") for _ in range(3)]
    try:
        after = scrape()
        assert value(after, "proxysql_client_connections_connected") >= 3
    finally:
        for c in held:
            c.close()

    def delta(name, sample_name=None, **labels):
        earlier = value(before, name, sample_name, **labels) if series_exists(before, name, **labels) else 0
        return value(after, name, sample_name, **labels) - earlier

    # prometheus_client strips `_total` from counter family names.
    assert delta("proxysql_questions") >= 34
    assert delta("proxysql_client_connections", status="created") >= 4
    replica = {"hostgroup": "1", "endpoint": f"{HOST}:{REPLICA}"}
    primary = {"hostgroup": "0", "endpoint": f"{HOST}:{PRIMARY}"}
    assert delta("proxysql_connpool_conns_queries", **replica) == 30
    assert delta("proxysql_connpool_conns_queries", **primary) == 4
    assert delta("proxysql_connpool_data_bytes", traffic_flow="recv", **replica) > 0
    assert value(after, "proxysql_connpool_conns_status", **replica) == 1  # ONLINE
    # The latency histogram counts each query once, in its server's hostgroup, and its buckets add up.
    count = "junction_query_latency_seconds_count"
    assert delta("junction_query_latency_seconds", count, **replica) == 30
    assert delta("junction_query_latency_seconds", count, **primary) == 4
    buckets = [s for s in after["junction_query_latency_seconds"].samples
               if s.name.endswith("_bucket") and s.labels["hostgroup"] == "1"]
    assert buckets[-1].labels["le"] == "+Inf"
    assert buckets[-1].value == value(after, "junction_query_latency_seconds", count, **replica)
    assert all(a.value <= b.value for a, b in zip(buckets, buckets[1:]))
    assert value(after, "junction_query_latency_seconds", "junction_query_latency_seconds_sum", **replica) > 0
    version = after["proxysql_version_info"].samples[0].labels["version"]
    assert version == junction.admin().value("SELECT @@version")


def test_metrics_follow_pymysql_left_at_its_defaults(junction):
    """PyMySQL leaves autocommit off: its reads still go to the replica (Junction's split), and the metrics say so."""
    replica = {"hostgroup": "1", "endpoint": f"{HOST}:{REPLICA}"}
    before = scrape()
    c = pymysql.connect(host=HOST, port=PROXY_PORT, user="app", password="app")  # every setting at its default
    try:
        with c.cursor() as cur:
            for i in range(10):
                cur.execute(f"SELECT {i} AS defaults_probe")
        c.commit()
    finally:
        c.close()
    after = scrape()
    earlier = value(before, "proxysql_connpool_conns_queries", **replica) if series_exists(before, "proxysql_connpool_conns_queries", **replica) else 0
    assert value(after, "proxysql_connpool_conns_queries", **replica) - earlier == 10


def test_a_dead_server_shows_in_the_metrics_while_every_endpoint_keeps_answering(junction):
    """A server that refuses connections (a port nothing listens on): the client gets an error, the failed connects are
    counted on that server, and /metrics, the JSON and the dashboard's data still answer."""
    a = junction.admin()
    dead = {"hostgroup": "5", "endpoint": f"{HOST}:1"}
    a.run(f"INSERT INTO mysql_servers (hostgroup_id, hostname, port) VALUES (5, '{HOST}', 1)")
    a.run("INSERT INTO mysql_query_rules (rule_id, active, match_digest, destination_hostgroup, apply) VALUES (2, 1, '^DO', 5, 1)")
    a.run("LOAD MYSQL SERVERS TO RUNTIME")
    a.run("LOAD MYSQL QUERY RULES TO RUNTIME")
    try:
        c = proxy_login(PROXY_PORT, "app", "app")
        try:
            with pytest.raises(pymysql.err.MySQLError):
                with c.cursor() as cur:
                    cur.execute("DO 'dead_probe'")
        finally:
            c.close()
        families = scrape()
        assert value(families, "proxysql_connpool_conns", "proxysql_connpool_conns_total", status="err", **dead) >= 1
        assert value(families, "proxysql_connpool_conns", "proxysql_connpool_conns_total", status="ok", **dead) == 0
        pool = requests.get(f"http://{HOST}:{REST_PORT}/api/v1/pool", auth=STATS, timeout=10).json()
        assert any(r["hostgroup"] == 5 and r["srv_port"] == 1 and r["ConnERR"] >= 1 for r in pool)
        assert requests.get(f"http://{HOST}:{WEB_PORT}/api/v1/dashboard", auth=STATS, timeout=10).status_code == 200
    finally:
        a.run("DELETE FROM mysql_query_rules WHERE rule_id = 2")
        a.run("DELETE FROM mysql_servers WHERE hostgroup_id = 5")
        a.run("LOAD MYSQL QUERY RULES TO RUNTIME")
        a.run("LOAD MYSQL SERVERS TO RUNTIME")


def test_metric_names_are_proxysql_s(junction):
    """Every `proxysql_*` family Junction serves exists in ProxySQL 2.7.1's exporter with the same type (recorded
    from the reference binary), so dashboards and alerts written for ProxySQL find the same series."""
    def types(text):  # by the exposed names (the parser folds `x_total` counters and `x` gauges together)
        return dict(re.findall(r"^# TYPE (\S+) (\S+)$", text, re.M))

    c = proxy_login(PROXY_PORT, "app", "app")
    try:
        with pytest.raises(pymysql.err.OperationalError):
            with c.cursor() as cur:
                cur.execute("SELECT no_such_column FROM DUAL")  # a backend error: mysql_error_total gets its series
    finally:
        c.close()
    text = requests.get(f"http://{HOST}:{REST_PORT}/metrics", timeout=10).text
    ours = types(text)
    assert re.search(r'^mysql_error_total\{hostgroup="1",address="127.0.0.1",port="%d",code="1054"\} [1-9]' % REPLICA,
                     text, re.M), "the backend error, by hostgroup, server and code"
    theirs = types(PROXYSQL_SAMPLE.read_text())
    foreign = {name for name in ours if not name.startswith("junction_")}
    # And the other way: every family ProxySQL serves, but for these.
    not_served = {
        # the exporter library's own bookkeeping
        "exposer_request_latencies", "exposer_scrapes_total", "exposer_transferred_bytes_total",
        # counters Junction does not keep: ProxySQL's internal log-message counts, errors generated by the proxy
        # itself by code, pool pings and auto_increment multiplexing events, cluster pulls and conflicts, open fds
        "proxysql_message_count_total", "proxysql_mysql_error_total", "proxysql_myhgm_myconnpool_get_ping_total",
        "proxysql_myhgm_auto_increment_multiplex_total", "proxysql_cluster_pulled_total",
        "proxysql_cluster_syn_conflict_total", "proxysql_fds_in_use",
    }
    # Cluster peers' series appear once there are peers (ProxySQL's sample had one; this Junction has none).
    cluster = {name for name in theirs if name.startswith(("proxysql_servers_checksums_", "proxysql_servers_metrics_",
                                                           "proxysql_servers_clients_status_"))}
    assert set(theirs) - set(ours) - cluster == not_served
    assert foreign - set(theirs) == set(), "names ProxySQL does not have"
    assert {name: ours[name] for name in foreign if ours[name] != theirs[name]} == {}
    # The series the common ProxySQL dashboards (Percona's, Grafana's) are built on.
    for name in ("proxysql_myhgm_myconnpool_get_total", "proxysql_myhgm_myconnpool_push_total", "proxysql_jemalloc_bytes",
                 "proxysql_client_connections_connected", "proxysql_client_connections_total", "proxysql_questions_total",
                 "proxysql_connpool_conns", "proxysql_connpool_conns_queries_total", "proxysql_connpool_conns_status",
                 "proxysql_connpool_data_bytes_total", "proxysql_uptime_seconds_total", "proxysql_active_transactions",
                 "proxysql_slow_queries_total", "proxysql_server_connections_connected", "proxysql_mysql_thread_workers",
                 "proxysql_queries_backends_bytes_total", "proxysql_queries_frontends_bytes_total"):
        assert name in ours


def test_show_prometheus_metrics_on_the_admin(junction):
    for user, password in (("admin", "admin"), STATS):
        a = Admin(ADMIN_PORT, user=user, password=password)
        try:
            assert a.columns("SHOW PROMETHEUS METRICS") == ["Data"]
            text = a.value("SHOW PROMETHEUS METRICS")
        finally:
            a.conn.close()
        assert list(text_string_to_metric_families(text))  # Prometheus's parser takes it
        names = set(re.findall(r"^# TYPE (\S+) ", text, re.M))
        assert {"proxysql_questions_total", "proxysql_connpool_conns", "junction_query_latency_seconds"} <= names


# ---------------------------------------------------------------- REST API


def test_json_endpoints_need_credentials(junction):
    url = f"http://{HOST}:{REST_PORT}/api/v1/pool"
    anonymous = requests.get(url, timeout=10)
    assert anonymous.status_code == 401
    assert anonymous.headers["WWW-Authenticate"].startswith("Basic")
    assert requests.get(url, auth=("stats", "wrong"), timeout=10).status_code == 401
    assert requests.get(url, auth=("nobody", "stats"), timeout=10).status_code == 401
    for credentials in (STATS, ("admin", "admin")):
        response = requests.get(url, auth=credentials, timeout=10)
        assert response.status_code == 200
        assert response.headers["Content-Type"] == "application/json"
    # The dashboard's port asks for the same credentials.
    assert requests.get(f"http://{HOST}:{WEB_PORT}/", timeout=10).status_code == 401
    assert requests.get(f"http://{HOST}:{WEB_PORT}/api/v1/pool", timeout=10).status_code == 401


def test_json_endpoints_agree_with_the_admin_tables(junction):
    send_traffic(reads=5, writes=0, marker="json_probe")
    api = f"http://{HOST}:{REST_PORT}/api/v1"
    pool = requests.get(f"{api}/pool", auth=STATS, timeout=10).json()
    replica = next(r for r in pool if r["hostgroup"] == 1)
    assert replica["srv_port"] == REPLICA and replica["status"] == "ONLINE"
    admin_queries = int(junction.admin().value(
        f"SELECT Queries FROM stats_mysql_connection_pool WHERE hostgroup=1 AND srv_port={REPLICA}"))
    assert replica["Queries"] <= admin_queries  # read first; the admin's read is later and counts at least as much
    servers = requests.get(f"{api}/servers", auth=STATS, timeout=10).json()
    assert {(s["hostgroup_id"], s["port"]) for s in servers} == {(0, PRIMARY), (1, REPLICA)}
    digests = requests.get(f"{api}/digests", params={"limit": 50}, auth=STATS, timeout=10).json()
    probe = [d for d in digests if "json_probe" in d["digest_text"]]
    assert len(probe) == 1 and probe[0]["count_star"] == 5 and probe[0]["hostgroup"] == 1
    assert len(requests.get(f"{api}/digests", params={"limit": 1}, auth=STATS, timeout=10).json()) == 1
    overview = requests.get(f"{api}/global", auth=STATS, timeout=10).json()
    assert overview["Questions"] >= 5 and overview["MySQL_Thread_Workers"] == 2
    cluster = requests.get(f"{api}/cluster", auth=STATS, timeout=10).json()
    assert cluster == {"peers": [], "checksums": []}


SCRIPTS = {
    "echo.sh": '#!/bin/sh\nprintf \'{"got":%s,"stdin":"%s"}\' "$1" "$(cat)"\n',
    "broken.sh": "#!/bin/sh\necho 'half a thought' >&2\nexit 3\n",
    "chatty.sh": "#!/bin/sh\necho 'not json'\n",
    "slow.sh": "#!/bin/sh\nsleep 5\necho '{}'\n",
}


def test_sync_routes_run_scripts_as_proxysql_does(junction, tmp_path):
    for name, text in SCRIPTS.items():
        (tmp_path / name).write_text(text)
        (tmp_path / name).chmod(0o755)
    a = junction.admin()
    a.run("DELETE FROM restapi_routes")
    a.run(f"""INSERT INTO restapi_routes (active, timeout_ms, method, uri, script, comment) VALUES
        (1, 2000, 'POST', 'echo', '{tmp_path}/echo.sh', 'echo'), (1, 2000, 'GET', 'echo', '{tmp_path}/echo.sh', ''),
        (1, 2000, 'POST', 'broken', '{tmp_path}/broken.sh', ''), (1, 2000, 'POST', 'chatty', '{tmp_path}/chatty.sh', ''),
        (1, 300, 'POST', 'slow', '{tmp_path}/slow.sh', ''), (0, 2000, 'POST', 'off', '{tmp_path}/echo.sh', '')""")
    a.run("LOAD RESTAPI TO RUNTIME")
    sync = f"http://{HOST}:{REST_PORT}/sync"
    assert requests.post(f"{sync}/echo", json={"a": 1}, timeout=10).status_code == 401
    # Scripts are the admin's: a stats account reads, it does not run them.
    assert requests.post(f"{sync}/echo", json={"a": 1}, auth=STATS, timeout=10).status_code == 403
    # A page of another site posting with the browser's cached credentials is turned away.
    assert requests.post(f"{sync}/echo", json={"a": 1}, auth=ADMIN, headers={"Origin": "https://elsewhere.example"},
                         timeout=10).status_code == 403
    same_site = requests.post(f"{sync}/echo", json={"a": 1}, auth=ADMIN, headers={"Origin": f"http://{HOST}:{REST_PORT}"},
                              timeout=10)
    assert same_site.status_code == 200

    posted = requests.post(f"{sync}/echo", data='{"a": [1, 2]}', auth=ADMIN, timeout=10)
    assert posted.status_code == 200
    assert posted.json() == {"got": {"a": [1, 2]}, "stdin": ""}
    got = requests.get(f"{sync}/echo", params={"b": "x y", "a": "1"}, auth=ADMIN, timeout=10)
    assert got.status_code == 200 and got.json()["got"] == {"a": "1", "b": "x y"}

    bad_input = requests.post(f"{sync}/echo", data="{nope", auth=ADMIN, timeout=10)
    assert bad_input.status_code == 400 and bad_input.json()["type"] == "in"
    broken = requests.post(f"{sync}/broken", json={}, auth=ADMIN, timeout=10)
    assert broken.status_code == 424
    assert broken.json()["error_code"] == "3" and "half a thought" in broken.json()["script_stderr"]
    assert requests.post(f"{sync}/chatty", json={}, auth=ADMIN, timeout=10).status_code == 424
    started = time.monotonic()
    slow = requests.post(f"{sync}/slow", json={}, auth=ADMIN, timeout=10)
    assert slow.status_code == 424 and slow.json()["error_code"] == "62"
    assert time.monotonic() - started < 3, "a script past timeout_ms is cut off, not waited for"
    # As in ProxySQL, the first segment after /sync/ names the route.
    assert requests.post(f"{sync}/echo/more", json={"b": 2}, auth=ADMIN, timeout=10).json()["got"] == {"b": 2}
    for missing in ("off", "nowhere"):
        answer = requests.post(f"{sync}/{missing}", json={}, auth=ADMIN, timeout=10)
        assert answer.status_code == 400 and "not found" in answer.json()["error"]


# ---------------------------------------------------------------- the dashboard


def chromium_dom(url: str) -> str:
    chromium = shutil.which("chromium")
    assert chromium, "chromium is installed by scripts/install-deps.sh"
    out = subprocess.run([chromium, "--headless", "--no-sandbox", "--disable-gpu", "--virtual-time-budget=8000",
                          "--dump-dom", url], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    return out.stdout


def tile(dom: str, name: str) -> str:
    match = re.search(rf'id="{name}">([^<]*)<', dom)
    assert match, f"no {name} tile in the page"
    return match.group(1)


def test_dashboard_in_headless_chromium_shows_live_numbers(junction):
    url = f"http://stats:stats@{HOST}:{WEB_PORT}/"
    send_traffic(reads=12, writes=0, marker="dashboard_probe")
    first = chromium_dom(url)
    assert 'class="">live' in first, re.findall(r'id="state"[^>]*>[^<]*', first)
    questions = int(tile(first, "questions").replace(",", ""))
    assert questions >= 12
    assert f"{HOST}:{REPLICA}" in first and "ONLINE" in first
    assert "dashboard_probe" in first  # the digest table
    send_traffic(reads=25, writes=0, marker="dashboard_probe_two")
    second = chromium_dom(url)
    assert int(tile(second, "questions").replace(",", "")) >= questions + 25
    assert "dashboard_probe_two" in second
    # Without credentials the browser is asked to log in (headless, it shows nothing), and never gets the page.
    assert "Queries / s" not in chromium_dom(f"http://{HOST}:{WEB_PORT}/")
    assert requests.get(f"http://{HOST}:{WEB_PORT}/", timeout=10).status_code == 401


def test_dashboard_shows_hostile_query_text_as_text(junction):
    """Digest texts are whatever clients send: markup in them must reach the page as text, never as elements."""
    c = proxy_login(PROXY_PORT, "app", "app")
    try:
        with c.cursor() as cur:
            cur.execute("SELECT 1 AS `<img src=x onerror=document.title='owned'>`")
            cur.fetchall()
    finally:
        c.close()
    dom = chromium_dom(f"http://stats:stats@{HOST}:{WEB_PORT}/")
    assert "&lt;img src=x onerror" in dom
    assert "<img" not in dom and "<title>Junction</title>" in dom


# ---------------------------------------------------------------- following LOAD ADMIN VARIABLES


def test_listeners_follow_load_admin_variables(junction):
    a = junction.admin()
    moved = WEB_PORT + 1
    try:
        a.run("SET admin-restapi_enabled='false'")
        a.run(f"SET admin-web_port={moved}")
        a.run("LOAD ADMIN VARIABLES TO RUNTIME")
        wait_until(lambda: _get(f"http://{HOST}:{REST_PORT}/metrics") is None, timeout=10, what="the REST API to stop")
        wait_until(lambda: _get(f"http://{HOST}:{moved}/", auth=STATS) is not None, timeout=10, what="the dashboard to move")
        assert _get(f"http://{HOST}:{WEB_PORT}/", auth=STATS) is None
        assert _get(f"http://{HOST}:{moved}/", auth=STATS).status_code == 200
    finally:
        a.run("SET admin-restapi_enabled='true'")
        a.run(f"SET admin-web_port={WEB_PORT}")
        a.run("LOAD ADMIN VARIABLES TO RUNTIME")
    wait_until(lambda: _get(f"http://{HOST}:{REST_PORT}/metrics") is not None, timeout=10, what="the REST API back")
    wait_until(lambda: _get(f"http://{HOST}:{WEB_PORT}/", auth=STATS) is not None, timeout=10, what="the dashboard back")
