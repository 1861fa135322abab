"""dolphie (https://github.com/charles-001/dolphie), the MySQL/ProxySQL monitoring TUI, pointed at Junction's admin
port the way its users point it at ProxySQL's (issue 15: its dashboard crashed with `KeyError:
'MySQL_Thread_Workers'`). dolphie recognises ProxySQL when `SELECT @@admin-version` succeeds on the connection, then
polls stats_mysql_global, stats_mysql_processlist, stats_mysql_connection_pool, stats_mysql_commands_counters,
stats_mysql_query_rules, stats_mysql_users, stats_mysql_errors and SHOW GLOBAL VARIABLES every second.

A Junction of this module's own, with the lab behind it (primary in hostgroup 10, replicas in 20, one query rule),
carries a little client traffic while dolphie watches it:
- every query dolphie sends is answered with what its panels read (a precise list of anything missing);
- the TUI, in tmux: the ProxySQL dashboard, the processlist with the running query, the hostgroup summary, query
  rules and command stats panels, the frontend users and query errors screens, then a clean quit;
- daemon mode records a replay file that holds the polled stats, and the TUI replays it.

dolphie is pinned (scripts/install-deps.sh installs it, and tmux).
"""

from __future__ import annotations

import dataclasses
import itertools
import os
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import sysconfig
import threading
import time
from pathlib import Path

import pymysql
import pytest

from admin_helpers import JunctionProcess, proxy_login
from conftest import DIRECT, HOST, LAB_PORT, direct_primary_conn, uniq, wait_until

pytestmark = [pytest.mark.skipif(DIRECT, reason="about Junction's admin port"), pytest.mark.proxy_only]

DOLPHIE_VERSION = "6.18.0"  # the version scripts/install-deps.sh pins
ADMIN_PORT, PROXY_PORT = 18232, 18233
PRIMARY, REPLICA1, REPLICA2 = LAB_PORT, LAB_PORT + 1, LAB_PORT + 2
THREADS = 2  # admin_helpers.junction_config's mysql-threads
RULE_PATTERN = "^SELECT @@port"  # rule 1: to the replicas (hostgroup 20)
ERROR_MARKERS = ("Traceback", "KeyError", "Exception", "Error:", "Connection Error", "Connection Lost",
                 "Insufficient Privileges", "DOLPHIE-EXITED")

# What dolphie 6.18.0 reads by name from stats_mysql_global: the ProxySQL dashboard (Panels/ProxySQLDashboard.py
# indexes these with [], so a missing one is a KeyError that ends the TUI) and its metric groups
# (Modules/MetricDefinitions.py: ProxySQLConnectionsMetrics, ProxySQLQueriesDataNetwork, ProxySQLActiveTRX), whose
# field names are read below from the installed package itself.
DASHBOARD_STATUS = ("ProxySQL_Uptime", "MySQL_Thread_Workers", "Client_Connections_connected", "Active_Transactions")
# ... and from SHOW GLOBAL VARIABLES on the admin port (the dashboard's "MySQL" row and FE usage, the version).
DASHBOARD_VARIABLES = ("admin-version", "mysql-server_version", "mysql-max_connections")


def _dolphie_installed() -> str:
    try:
        from importlib.metadata import PackageNotFoundError, version
        return version("dolphie")
    except PackageNotFoundError:
        pytest.fail(f"dolphie is not installed for {sys.executable}: run scripts/install-deps.sh "
                    f"(it installs dolphie=={DOLPHIE_VERSION})")


def dolphie_command() -> list[str]:
    """The `dolphie` script of the python running the tests (so the pinned package), else one on PATH."""
    installed = _dolphie_installed()
    assert installed == DOLPHIE_VERSION, \
        f"dolphie {installed} is installed; these tests are written against {DOLPHIE_VERSION} (scripts/install-deps.sh)"
    for scheme in (None, f"{os.name}_user"):
        try:
            scripts = sysconfig.get_path("scripts", scheme) if scheme else sysconfig.get_path("scripts")
        except KeyError:
            continue
        if scripts and (Path(scripts) / "dolphie").exists():
            return [str(Path(scripts) / "dolphie")]
    found = shutil.which("dolphie")
    if found:
        return [found]
    return [sys.executable, "-c", "import sys; from dolphie.App import main; sys.argv[0] = 'dolphie'; sys.exit(main())"]


def dolphie_args(home: Path) -> list[str]:
    """Connection and isolation options: no config file of the machine's, no PyPI version check, files under `home`."""
    (home / "dolphie.cnf").write_text("")
    return ["--config-file", str(home / "dolphie.cnf"), "--mycnf-file", str(home / "my.cnf"),
            "--host-cache-file", str(home / "host_cache"), "--tab-setup-file", str(home / "hosts"),
            "--pypi-repo", "http://127.0.0.1:9/",
            "--host", HOST, "--port", str(ADMIN_PORT), "--user", "admin", "--password", "admin"]


def dolphie_env(home: Path) -> dict[str, str]:
    return dict(os.environ, HOME=str(home), TERM="xterm-256color", COLORTERM="truecolor", LANG="C.UTF-8",
                LC_ALL="C.UTF-8")


# ---------------------------------------------------------------- Junction and traffic


@pytest.fixture(scope="module")
def node(tmp_path_factory, lab):
    j = JunctionProcess(tmp_path_factory.mktemp("dolphie-junction"), ADMIN_PORT, PROXY_PORT)
    j.write_config(servers=[(10, PRIMARY), (20, REPLICA1), (20, REPLICA2)], users=[("app", "app", 10)])
    j.start()
    admin = j.admin()
    admin.run("INSERT INTO mysql_query_rules (rule_id, active, match_pattern, destination_hostgroup, apply) "
              f"VALUES (1, 1, '{RULE_PATTERN}', 20, 1)")
    admin.run("LOAD MYSQL QUERY RULES TO RUNTIME")
    yield j
    rc = j.stop()
    assert rc == 0, f"junction exited with {rc}:\n{j.log()}"


class Load:
    """Client traffic through Junction while dolphie watches: one connection alternating `SELECT 1` (hostgroup 10)
    and `SELECT @@port` (rule 1, hostgroup 20) ~50 times a second, one running a long SLEEP on the primary, and, once,
    a write and a query the primary refuses (errno 1146)."""

    def __init__(self, db: str):
        self.db = db
        self.table = uniq("dolphie")
        self.missing = uniq("missing")
        self.marker = uniq("dolphie_sleep")
        self.sleep_sql = f"SELECT SLEEP(60) AS {self.marker}"
        self.stop_event = threading.Event()
        self.errors: list[str] = []
        self.queries = 0
        self.threads: list[threading.Thread] = []

    def start(self):
        c = proxy_login(PROXY_PORT, "app", "app", database=self.db)
        with c.cursor() as cur:
            cur.execute(f"CREATE TABLE {self.table} (id INT PRIMARY KEY, v VARCHAR(20))")
            cur.execute(f"INSERT INTO {self.table} VALUES (1, 'one'), (2, 'two')")
            cur.execute(f"SELECT * FROM {self.table}")
            try:
                cur.execute(f"SELECT * FROM {self.missing}")
                raise AssertionError("a SELECT on a missing table succeeded")
            except pymysql.err.ProgrammingError as e:
                assert e.args[0] == 1146, e.args
        c.close()
        for target in (self._reads, self._sleep):
            t = threading.Thread(target=target, daemon=True, name=target.__name__)
            t.start()
            self.threads.append(t)

    def _reads(self):
        try:
            c = proxy_login(PROXY_PORT, "app", "app", database=self.db)
            with c.cursor() as cur:
                while not self.stop_event.is_set():
                    cur.execute("SELECT 1")
                    cur.fetchall()
                    cur.execute("SELECT @@port")
                    cur.fetchall()
                    self.queries += 2
                    time.sleep(0.04)
            c.close()
        except Exception as e:  # noqa: BLE001 - reported by stop()
            self.errors.append(f"reads: {e!r}")

    def _sleep(self):
        try:
            c = pymysql.connect(host=HOST, port=PROXY_PORT, user="app", password="app", database=self.db,
                                autocommit=True, connect_timeout=10, read_timeout=90)
            with c.cursor() as cur:
                cur.execute(self.sleep_sql)
                cur.fetchall()
            c.close()
        except pymysql.err.OperationalError as e:
            if e.args[0] != 1317:  # query execution was interrupted: stop() kills it
                self.errors.append(f"sleep: {e!r}")
        except Exception as e:  # noqa: BLE001
            self.errors.append(f"sleep: {e!r}")

    def stop(self):
        self.stop_event.set()
        # End the SLEEP on the primary itself (a user may kill its own queries).
        c = direct_primary_conn()
        with c.cursor() as cur:
            cur.execute("SELECT id FROM information_schema.processlist WHERE info LIKE %s", (f"%{self.marker}%",))
            for (thread_id,) in cur.fetchall():
                try:
                    cur.execute(f"KILL QUERY {thread_id}")
                except pymysql.err.MySQLError:
                    pass
            cur.execute(f"DROP TABLE IF EXISTS {self.db}.{self.table}")
        c.close()
        for t in self.threads:
            t.join(timeout=15)
        assert not any(t.is_alive() for t in self.threads), "the client traffic threads did not stop"
        assert not self.errors, f"client traffic through Junction failed: {self.errors}"
        assert self.queries > 0, "the read loop ran no query"


@pytest.fixture(scope="module")
def load(node, test_db):
    traffic = Load(test_db)
    traffic.start()
    # The SLEEP is running on the primary before dolphie looks.
    admin = node.admin()

    def sleeping():
        assert not traffic.errors, f"client traffic through Junction failed: {traffic.errors}"
        return any(traffic.marker in (r[0] or "") for r in admin.rows("SELECT info FROM stats_mysql_processlist"))

    try:
        wait_until(sleeping, timeout=10, what="the SLEEP query in stats_mysql_processlist")
    except AssertionError:
        traffic.stop()
        raise
    yield traffic
    traffic.stop()


# ---------------------------------------------------------------- dolphie's own queries


def test_every_query_dolphie_sends_is_answered(node, load):
    """The queries of dolphie's ProxySQL mode (dolphie.Modules.Queries.ProxySQLQueries, read from the installed
    package), run like dolphie runs them, and the columns and names its panels read from the answers."""
    _dolphie_installed()
    from dolphie.Modules import MetricDefinitions
    from dolphie.Modules.Queries import ProxySQLQueries

    conn = pymysql.connect(host=HOST, port=ADMIN_PORT, user="admin", password="admin", autocommit=True,
                           connect_timeout=5, read_timeout=30, program_name="Dolphie",
                           cursorclass=pymysql.cursors.DictCursor)
    needs: list[str] = []
    answers: dict[str, list[dict]] = {}
    try:
        with conn.cursor() as cur:
            try:
                cur.execute("SELECT @@admin-version")
            except pymysql.err.MySQLError as e:
                needs.append(f"`SELECT @@admin-version` to succeed (how dolphie tells ProxySQL from MySQL): {e.args}")
            for f in dataclasses.fields(ProxySQLQueries):
                sql = getattr(ProxySQLQueries, f.name).replace("$1", "1=1")
                try:
                    cur.execute(sql)
                    answers[f.name] = list(cur.fetchall())
                except pymysql.err.MySQLError as e:
                    needs.append(f"its {f.name} query to run, which failed with {e.args}: {' '.join(sql.split())}")
    finally:
        conn.close()

    def rows(name: str) -> list[dict]:
        return answers.get(name, [])

    def require_columns(name: str, columns: list[str]):
        if name in answers and rows(name):
            missing = [c for c in columns if c not in rows(name)[0]]
            if missing:
                needs.append(f"columns {missing} in the answer to its {name} query (got {list(rows(name)[0])})")

    if "variables" in answers:
        variables = {r["Variable_name"]: r["Value"] for r in rows("variables")}
        missing = [v for v in DASHBOARD_VARIABLES if v not in variables]
        if missing:
            needs.append(f"SHOW GLOBAL VARIABLES to include {missing}")
    if "mysql_stats" in answers:
        status = {r["Variable_name"]: r["Value"] for r in rows("mysql_stats")}
        wanted = list(DASHBOARD_STATUS)
        for group in (MetricDefinitions.ProxySQLConnectionsMetrics, MetricDefinitions.ProxySQLQueriesDataNetwork,
                      MetricDefinitions.ProxySQLActiveTRX):
            wanted += [f.name for f in dataclasses.fields(group)]
        missing = sorted({w for w in wanted if w not in status})
        if missing:
            needs.append(f"stats_mysql_global variables {missing}")
        elif status["MySQL_Thread_Workers"] != str(THREADS):
            needs.append(f"MySQL_Thread_Workers = {THREADS} (mysql-threads), got {status['MySQL_Thread_Workers']}")
    require_columns("processlist", ["id", "user", "db", "frontend_host", "hostgroup", "backend_host", "command",
                                    "time", "query"])
    if "processlist" in answers and not any(load.marker in (r["query"] or "") for r in rows("processlist")):
        needs.append(f"the running `{load.sleep_sql}` in stats_mysql_processlist: {rows('processlist')}")
    if "connection_pool_data" in answers and rows("connection_pool_data")[0]["connection_pool_connections"] is None:
        needs.append("SUM(ConnUsed) FROM stats_mysql_connection_pool to be a number while queries run")
    if "user_stats" in answers and not any(r["username"] == "app" for r in rows("user_stats")):
        needs.append(f"stats_mysql_users joined with runtime_mysql_users to list app's frontend connections: "
                     f"{rows('user_stats')}")
    require_columns("hostgroup_summary", ["hostgroup", "srv_host", "srv_port", "status", "weight", "use_ssl",
                                          "max_replication_lag", "ConnUsed", "ConnFree", "ConnOK", "ConnERR",
                                          "MaxConnUsed", "Queries", "Bytes_data_sent", "Bytes_data_recv",
                                          "Latency_us"])
    if "hostgroup_summary" in answers and len(rows("hostgroup_summary")) != 3:
        needs.append(f"3 rows (one per server) in its hostgroup summary: {rows('hostgroup_summary')}")
    require_columns("query_rules_summary", ["rule_id", "hits", "hits_s", "apply", "log", "destination_hostgroup",
                                            "match_pattern", "re_modifiers"])
    if "query_rules_summary" in answers and [r["rule_id"] for r in rows("query_rules_summary")] != ["1"]:
        needs.append(f"rule 1 in its query rules summary: {rows('query_rules_summary')}")
    require_columns("command_stats", ["Command", "Total_cnt", "Total_cnt_s", "cnt_100us", "cnt_INFs"])
    if "command_stats" in answers and not any(r["Command"] == "SELECT" for r in rows("command_stats")):
        needs.append(f"a SELECT row in stats_mysql_commands_counters: {rows('command_stats')}")
    require_columns("query_errors", ["hostgroup", "hostname", "port", "username", "schemaname", "first_seen",
                                     "last_seen", "count_star", "errno", "last_error"])
    if "query_errors" in answers and not any(r["errno"] == "1146" for r in rows("query_errors")):
        needs.append(f"the 1146 error in stats_mysql_errors: {rows('query_errors')}")
    assert not needs, f"dolphie {DOLPHIE_VERSION} needs from Junction's admin port:\n- " + "\n- ".join(needs)


# ---------------------------------------------------------------- the TUI, in tmux


_sockets = itertools.count(1)


class Tmux:
    """A tmux server of the test's own (its own socket), with one 200x50 window."""

    def __init__(self):
        self.socket = f"junction-dolphie-{os.getpid()}-{next(_sockets)}"
        self.target = "dolphie"
        self.last = ""

    def tmux(self, *args: str) -> subprocess.CompletedProcess:
        return subprocess.run(["tmux", "-L", self.socket, *args], capture_output=True, text=True, timeout=15)

    def start(self, command: list[str], env: dict[str, str]):
        assert shutil.which("tmux"), "tmux is not installed: run scripts/install-deps.sh"
        # The shell keeps the window (and whatever dolphie printed, a traceback say) after dolphie exits.
        quoted = " ".join(_shell_quote(a) for a in command)
        shell = f"{quoted}; echo DOLPHIE-EXITED $?; sleep 600"
        r = subprocess.run(["tmux", "-L", self.socket, "-f", "/dev/null", "new-session", "-d", "-s", self.target,
                            "-x", "200", "-y", "50", shell], capture_output=True, text=True, timeout=15, env=env)
        assert r.returncode == 0, f"tmux new-session failed: {r.stderr}"

    def screen(self) -> str:
        r = self.tmux("capture-pane", "-p", "-t", self.target)
        self.last = r.stdout if r.returncode == 0 else f"(capture-pane failed: {r.stderr})"
        return self.last

    def keys(self, *keys: str):
        r = self.tmux("send-keys", "-t", self.target, *keys)
        assert r.returncode == 0, f"tmux send-keys {keys}: {r.stderr}"

    def kill(self):
        self.tmux("kill-server")


def _shell_quote(s: str) -> str:
    return "'" + s.replace("'", "'\"'\"'") + "'"


def crash_report(screen: str) -> str | None:
    """What went wrong, if the screen shows dolphie failed: a KeyError names the stats variable it lacked."""
    keyerror = re.search(r"KeyError: '([^']+)'", screen)
    if keyerror:
        return (f"dolphie crashed with KeyError {keyerror.group(1)!r}: Junction's admin lacks a stats variable or "
                "column dolphie reads by that name")
    found = [m for m in ERROR_MARKERS if m in screen]
    return f"dolphie shows {found}" if found else None


def wait_screen(tmux: Tmux, predicate, what: str, timeout: float = 15) -> str:
    """Polls the pane until predicate(screen) holds; fails at once if dolphie shows an error or exited."""
    deadline = time.monotonic() + timeout
    while True:
        screen = tmux.screen()
        problem = crash_report(screen)
        if problem:
            raise AssertionError(f"{problem} (while waiting for {what}); screen:\n{screen}")
        if predicate(screen):
            return screen
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for dolphie to show {what}; screen:\n{screen}")
        time.sleep(0.2)


def panel_rows(screen: str, title: str) -> list[list[str]]:
    """The data rows of the bordered panel titled `title ...`: its lines after the column header, split on runs of
    2+ spaces, up to the panel's bottom border."""
    lines = screen.splitlines()
    start = next((i for i, line in enumerate(lines) if title in line), None)
    if start is None:
        return []
    rows = []
    for line in lines[start + 2:]:
        if "▁▁▁" in line or "▔▔▔" in line:
            break
        body = line.strip().strip("▊▎▏ ").strip()
        if body:
            rows.append(re.split(r"\s{2,}", body))
    return rows


def value(screen: str, label: str) -> str | None:
    m = re.search(rf"{re.escape(label)}\s+(\S+)", screen)
    return m.group(1) if m else None


def nonzero(v: str | None) -> bool:
    return v is not None and re.match(r"^[0-9.]+[KMGTB]*(?:/s)?$", v) is not None and re.sub(r"[^1-9]", "", v) != ""


@pytest.fixture
def tmux():
    t = Tmux()
    yield t
    t.kill()


def test_the_tui_dashboard_and_proxysql_panels_show_junction(node, load, tmux, tmp_path):
    tmux.start(dolphie_command() + dolphie_args(tmp_path), dolphie_env(tmp_path))

    # The ProxySQL dashboard and the processlist (dolphie's two startup panels).
    def dashboard(s):
        return ("[CONNECTED]" in s and "Host Information" in s and "Workers" in s and load.marker in s
                and nonzero(value(s, "SELECT")) and nonzero(value(s, "FE Recv")))

    s = wait_screen(tmux, dashboard, "the ProxySQL dashboard with the running SLEEP and SELECTs per second", 25)
    assert re.search(r"Version\s+ProxySQL 2\.7\.1", s), f"dashboard: expected 'Version ProxySQL 2.7.1':\n{s}"
    assert re.search(rf"Workers {THREADS}\b", s), \
        f"dashboard: expected 'Workers {THREADS}' (MySQL_Thread_Workers):\n{s}"
    fe = value(s, "FE Connected")
    assert fe is not None and fe.isdigit() and int(fe) >= 2, \
        f"dashboard: FE Connected should count the 2 client connections, shows {fe!r}:\n{s}"
    be = value(s, "BE Connected")
    assert be is not None and be.isdigit() and int(be) >= 2, \
        f"dashboard: BE Connected should count the backend connections in use, shows {be!r}:\n{s}"
    assert nonzero(value(s, "Queries")), f"dashboard: Statistics/s Queries should be > 0 under load:\n{s}"
    processlist = [r for r in panel_rows(s, "Processlist (") if any(load.marker in c for c in r)]
    assert processlist, f"processlist: no row for {load.sleep_sql!r}:\n{s}"
    row = processlist[0]
    assert row[1] == "10" and row[2] == "app" and "Query" in row, \
        f"processlist: expected hostgroup 10, user app, command Query for the SLEEP: {row}\n{s}"

    # 4: hostgroup summary, one ONLINE row per server.
    tmux.keys("4")
    s = wait_screen(tmux, lambda s: "Hostgroup Summary (3)" in s and len(panel_rows(s, "Hostgroup Summary")) == 3,
                    "the Hostgroup Summary panel with 3 servers")
    servers = {(r[0], r[2]): r for r in panel_rows(s, "Hostgroup Summary")}
    expected = {("10", str(PRIMARY)), ("20", str(REPLICA1)), ("20", str(REPLICA2))}
    assert set(servers) == expected and all(r[3] == "ONLINE" for r in servers.values()), \
        f"hostgroup summary: expected {sorted(expected)} ONLINE, got {list(servers.values())}\n{s}"

    # 5: query rules, rule 1 with hits.
    tmux.keys("5")
    s = wait_screen(tmux, lambda s: "Query Rules (1)" in s and panel_rows(s, "Query Rules (1)"),
                    "the Query Rules panel with rule 1")
    rule = panel_rows(s, "Query Rules (1)")[0]
    assert rule[0] == "1" and nonzero(rule[1]) and RULE_PATTERN in rule, \
        f"query rules: expected rule 1 with hits > 0 and pattern {RULE_PATTERN}: {rule}\n{s}"

    # 6: command stats, SELECT counted.
    tmux.keys("6")
    s = wait_screen(tmux, lambda s: "Command Stats (" in s and any(r[0] == "SELECT" for r in
                                                                   panel_rows(s, "Command Stats (")),
                    "the Command Stats panel with a SELECT row")
    select = next(r for r in panel_rows(s, "Command Stats (") if r[0] == "SELECT")
    assert nonzero(select[1]), f"command stats: SELECT Total should be > 0: {select}\n{s}"

    # u: frontend users (stats_mysql_users joined with runtime_mysql_users).
    tmux.keys("u")
    s = wait_screen(tmux, lambda s: "Frontend Users Connected" in s, "the Frontend Users screen")
    users = [r for r in panel_rows(s, "Frontend Users Connected") if r and r[0] == "app"]
    assert users and users[0][1].isdigit() and int(users[0][1]) >= 2, \
        f"frontend users: expected app with >= 2 active connections: {users}\n{s}"
    tmux.keys("Escape")
    wait_screen(tmux, lambda s: "Frontend Users Connected" not in s and "Host Information" in s,
                "the dashboard again after closing the users screen")

    # e: query errors (stats_mysql_errors).
    tmux.keys("e")
    s = wait_screen(tmux, lambda s: "Query Errors (" in s, "the Query Errors screen")
    assert "1146" in s and load.missing in s, \
        f"query errors: expected errno 1146 for {load.missing} on the screen:\n{s}"
    tmux.keys("Escape")
    wait_screen(tmux, lambda s: "Query Errors (" not in s and "Host Information" in s,
                "the dashboard again after closing the errors screen")

    # A few more refreshes with every panel on, then quit.
    time.sleep(2)
    wait_screen(tmux, lambda s: "[CONNECTED]" in s, "dolphie still connected")
    tmux.keys("q")
    deadline = time.monotonic() + 10
    while "DOLPHIE-EXITED" not in tmux.screen() and time.monotonic() < deadline:
        time.sleep(0.2)
    assert "DOLPHIE-EXITED 0" in tmux.last, f"dolphie did not quit cleanly on q:\n{tmux.last}"


# ---------------------------------------------------------------- daemon mode and replay


def _decode_rows(replay: Path) -> tuple[dict, list[dict]]:
    """metadata and every replay_data row, decoded as dolphie's ReplayManager does (zstd, with the dictionary it
    trains after its first rows, then JSON)."""
    import orjson
    import zstandard

    db = sqlite3.connect(f"file:{replay}?mode=ro", uri=True)
    db.row_factory = sqlite3.Row
    try:
        meta = dict(db.execute("SELECT * FROM metadata").fetchone())
        blobs = [r["data"] for r in db.execute("SELECT data FROM replay_data ORDER BY id")]
    finally:
        db.close()
    decoders = [zstandard.ZstdDecompressor()]
    if meta.get("compression_dict"):
        trained = zstandard.ZstdCompressionDict(meta["compression_dict"])
        decoders.insert(0, zstandard.ZstdDecompressor(dict_data=trained))
    rows = []
    for blob in blobs:
        for d in decoders:
            try:
                rows.append(orjson.loads(d.decompress(blob)))
                break
            except (zstandard.ZstdError, orjson.JSONDecodeError):
                continue
        else:
            raise AssertionError(f"replay row of {len(blob)} bytes could not be decoded")
    meta.pop("compression_dict", None)
    return meta, rows


def _replay_rows(replay: Path) -> int:
    if not replay.exists():
        return 0
    try:
        db = sqlite3.connect(f"file:{replay}?mode=ro", uri=True)
        try:
            return db.execute("SELECT COUNT(*) FROM replay_data").fetchone()[0]
        finally:
            db.close()
    except sqlite3.Error:
        return 0


def test_daemon_mode_records_a_replay_the_tui_plays(node, load, tmux, tmp_path):
    replay_dir, log = tmp_path / "replay", tmp_path / "daemon.log"
    replay_dir.mkdir()
    out = open(tmp_path / "daemon.out", "wb")
    proc = subprocess.Popen(
        dolphie_command() + dolphie_args(tmp_path) + [
            "--daemon", "--replay-dir", str(replay_dir), "--daemon-log-file", str(log),
            "--daemon-panels", "processlist,proxysql_hostgroup_summary", "--refresh-interval", "1"],
        stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=dolphie_env(tmp_path),
        start_new_session=True)
    replay = replay_dir / f"{HOST}_{ADMIN_PORT}" / "daemon.db"
    try:
        def recorded():
            if proc.poll() is not None:
                raise AssertionError(f"dolphie --daemon exited with {proc.returncode}:\n"
                                     + (tmp_path / "daemon.out").read_text(errors="replace")[-4000:])
            return _replay_rows(replay) >= 4
        wait_until(recorded, timeout=20, interval=0.25,
                   what=lambda: f"4 rows in {replay} (log:\n{log.read_text(errors='replace') if log.exists() else ''})")
    finally:
        if proc.poll() is None:
            os.kill(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.kill(proc.pid, signal.SIGKILL)
                proc.wait(timeout=10)
        out.close()

    text = log.read_text(errors="replace")
    assert "Connected to ProxySQL" in text, f"dolphie's daemon log does not say it took Junction for ProxySQL:\n{text}"
    problems = [line for line in text.splitlines() if re.search(r"\[(WARNING|ERROR|CRITICAL)\]|Traceback", line)]
    assert not problems, f"dolphie's daemon log has warnings/errors:\n" + "\n".join(problems) + f"\n\nfull log:\n{text}"
    assert replay.exists() and replay.stat().st_size > 0, f"no replay file at {replay}"

    meta, rows = _decode_rows(replay)
    assert meta["connection_source"] == "ProxySQL" and meta["host_distro"] == "ProxySQL" \
        and meta["port"] == ADMIN_PORT, f"replay metadata: {meta}"
    assert len(rows) >= 4, f"replay has {len(rows)} rows"
    last = rows[-1]
    status = last["global_status"]
    missing = [v for v in DASHBOARD_STATUS if v not in status]
    assert not missing, f"the recorded stats_mysql_global lacks what dolphie's dashboard replays: {missing}"
    assert int(status["Questions"]) > 0 and int(status["Client_Connections_connected"]) >= 2, \
        f"recorded stats_mysql_global should show the traffic: Questions={status.get('Questions')}, " \
        f"Client_Connections_connected={status.get('Client_Connections_connected')}"
    assert any(load.marker in (t.get("query") or "") for t in last["processlist"]), \
        f"the recorded processlist should hold the running SLEEP: {last['processlist']}"
    recorded_servers = sorted((str(r["hostgroup"]), str(r["srv_port"])) for r in last["hostgroup_summary"])
    assert recorded_servers == sorted([("10", str(PRIMARY)), ("20", str(REPLICA1)), ("20", str(REPLICA2))]), \
        f"the recorded hostgroup summary: {last['hostgroup_summary']}"
    assert any(r.get("Command") == "SELECT" for r in last.get("command_stats", [])), \
        f"the recorded command stats should have a SELECT row: {last.get('command_stats')}"

    # The TUI plays the recording back: the ProxySQL dashboard from the file, no connection needed.
    tmux.start(dolphie_command() + dolphie_args(tmp_path)[:-8] + ["--replay-file", str(replay)],
               dolphie_env(tmp_path))
    s = wait_screen(tmux, lambda s: "Replay (daemon.db" in s and "Host Information" in s and "Workers" in s,
                    "the replayed ProxySQL dashboard")
    assert re.search(r"Version\s+ProxySQL 2\.7\.1", s) and re.search(rf"Workers {THREADS}\b", s), \
        f"replayed dashboard: expected 'ProxySQL 2.7.1' and 'Workers {THREADS}':\n{s}"
    tmux.keys("q")
    deadline = time.monotonic() + 10
    while "DOLPHIE-EXITED" not in tmux.screen() and time.monotonic() < deadline:
        time.sleep(0.2)
    assert "DOLPHIE-EXITED 0" in tmux.last, f"dolphie did not quit the replay cleanly on q:\n{tmux.last}"
